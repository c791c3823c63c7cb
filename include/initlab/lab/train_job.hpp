// A training job: a Keras model file plus what to train it on, run as
// `initlab train CONFIG.json`.
//
// The file is the model exactly as Keras writes it (`model.to_json()`, Keras 3
// or tf-keras 2.x), optionally with Keras's "compile_config", and a
// "training" section beside them:
//
//   {"class_name": "Sequential", "config": {...}, "compile_config": {...},
//    "training": {"dataset": "fashion_mnist", "epochs": 5, "batch_size": 128,
//                 "validation_split": 0.1, "seed": 1234}}
//
// or {"model": <the Keras JSON>, "training": {...}}. "training" may also give
// "optimizer", "loss" and "metrics" (Keras's forms); they override
// compile_config, and a file without compile_config must give a loss there.
//
// training fields (defaults): dataset ("fashion_mnist"; a TensorFlow
// Playground set "circle", "xor", "gauss", "spiral", "reg-plane", "reg-gauss",
// or {"name": "spiral", "noise": 0.1, "samples": 1000}; or
// {"name": "csv", "train": PATH, "test": PATH, "label": COLUMN}), epochs (1),
// batch_size (32), validation_split (0.1; the last fraction of the training
// set, as Keras), validation ("split" or "test": the test set each epoch),
// shuffle (true), seed (drawn and printed when absent).
//
// Numbers are read at their field's range: epochs 0 to 2^31 - 1, batch_size
// and samples >= 1, seeds non-negative integers up to 2^64 - 1; anything else
// is an error, never a wrapped value. A key that is none of these (in the
// training section, the data set or the wrapper) is an error naming the
// closest known key: "job.json: training.epoch: unknown field 'epoch'; did you
// mean 'epochs'?".
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "initlab/nn/callback.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

/// Command-line overrides of the file's training section.
struct TrainJobOptions {
  std::optional<int> epochs{};
  std::optional<int64_t> batch_size{};
  std::optional<uint64_t> seed{};
  std::optional<std::string> dataset{};
  /// Train on the first n training samples only (0: all), for quick runs.
  int64_t max_samples = 0;
  /// Where history.csv and history.json go; empty: runs/<model name>.
  std::string out_dir{};
  Verbosity verbose = Verbosity::kAuto;
  /// When not empty, the trained model is written here: a model file (.keras)
  /// or its weights (.weights.h5, .safetensors, .npz), by the name's format.
  std::string save_path{};
  /// When not empty, a training checkpoint (io/checkpoint.hpp) is written to
  /// this directory every `checkpoint_every` (0: each epoch's end).
  std::string checkpoint_dir{};
  int64_t checkpoint_every = 0;  ///< batches between checkpoints; 0: once per epoch
  /// Continue from the newest checkpoint in checkpoint_dir (bit for bit as if
  /// never stopped); a fresh start when the directory holds none.
  bool resume = false;
};

struct TrainJobResult {
  History history;
  Logs test;  ///< loss and metrics on the test set
  uint64_t seed = 0;
  std::string history_csv, history_json;
};

/// Loads the file, builds and compiles the model, trains it, evaluates it on
/// the test set, writes the history; prints what it does to `out`.
TrainJobResult run_train_job(const std::string& config_path, const TrainJobOptions& options, std::ostream& out);

}  // namespace initlab
