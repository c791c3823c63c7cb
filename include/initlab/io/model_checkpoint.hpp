// ModelCheckpoint: saves the model during fit, as keras.callbacks.ModelCheckpoint.
//
//   model.fit(x, y, {.epochs = 10, .callbacks = {std::make_shared<ModelCheckpoint>(
//       ModelCheckpointOptions{.filepath = "ckpt/epoch{epoch:02d}-{val_loss:.4f}.safetensors",
//                              .monitor = "val_loss", .save_best_only = true})}});
//
// filepath is formatted as Python's str.format with epoch (1-based, as Keras),
// batch (1-based, with a save_freq in batches) and every logged value:
// "{epoch:02d}", "{val_accuracy:.4f}", "{loss}", "{{" for a brace. Specs are
// Python's ([[fill]align][sign][0][width][.precision][type], types d for the
// epoch and batch, e f g % for logs). A placeholder the logs do not hold is an
// error naming it and the logs there are.
//
// What is written:
//   save_weights_only = false  a checkpoint (io/checkpoint.hpp): filepath must
//                              end in ".safetensors"; FitOptions::resume continues
//                              from it bit for bit
//   save_weights_only = true   the weights alone, as io/model_file.hpp's
//                              save_weights writes them (the format from the
//                              extension: .weights.h5, .h5, .safetensors, .npz)
// save_best_only keeps a file only when `monitor` improved (mode "min", "max",
// or "auto": max for accuracy-like names, else min); a monitor absent from the
// logs is a warning, and nothing is saved, as in Keras. save_freq is "epoch"
// or a number of batches (counted across epochs, as Keras).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "initlab/nn/callback.hpp"

namespace initlab {

struct ModelCheckpointOptions {
  std::string filepath;
  std::string monitor = "val_loss";
  bool verbose = false;  ///< a line per save (and per skipped save with save_best_only)
  bool save_best_only = false;
  bool save_weights_only = false;
  std::string mode = "auto";        ///< "auto", "min" or "max"
  std::string save_freq = "epoch";  ///< "epoch" or a positive number of batches ("100")
  std::optional<double> initial_value_threshold{};  ///< the value to beat first (save_best_only)
};

class ModelCheckpoint : public Callback {
 public:
  /// Checks every option (ValueError naming the option): an empty filepath, an
  /// unbalanced brace or a bad spec in it, a checkpoint path not ending in
  /// ".safetensors", an unknown mode or save_freq.
  explicit ModelCheckpoint(ModelCheckpointOptions options, std::ostream* log = nullptr);

  void on_save_point(Sequential& model, int epoch, int64_t batch, bool epoch_end, const Logs& logs) override;
  /// The best monitored value and the batches since the last save.
  nlohmann::json state() const override;
  void set_state(const nlohmann::json& state) override;

  /// filepath for (0-based) epoch and batch (−1: none) and these logs.
  std::string file_path(int epoch, int64_t batch, const Logs& logs) const;
  /// The files written so far by this object, in order.
  const std::vector<std::string>& saved() const { return saved_; }
  bool maximizes() const { return maximize_; }
  double best() const { return best_; }

 private:
  void save(Sequential& model, int epoch, int64_t batch, const Logs& logs);
  ModelCheckpointOptions o_;
  std::ostream* log_;
  bool maximize_ = false;
  int64_t every_batches_ = 0;  // 0: every epoch
  int64_t batches_since_save_ = 0;
  double best_ = 0;
  std::vector<std::string> saved_;
};

}  // namespace initlab
