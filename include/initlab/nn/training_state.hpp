// Training state: everything besides the weights that a fit needs to continue
// bit for bit after a save and a load into a fresh model object.
//
//   TrainingState  the model's own counters and the optimizer: the global
//                  seed, epochs trained (keys each epoch's shuffle), training
//                  steps, every layer's random-stream position (Dropout's
//                  mask step), the optimizer's iterations, learning rate and
//                  slots (Sequential::training_state / restore_training_state).
//   FitProgress    where a fit() stands: the epoch in progress and its batch
//                  cursor, that epoch's running loss and metric sums, the
//                  history so far, every callback's state and a fingerprint of
//                  the data (Sequential::fit_progress during a fit; FitOptions::
//                  resume continues from one).
//
// io/checkpoint.hpp writes both, with the weights, into one file.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "initlab/nn/callback.hpp"
#include "initlab/nn/optimizer.hpp"

namespace initlab {

class Sequential;

struct OptimizerState {
  std::string name;  ///< OptimizerImpl::name(): "Adam"
  int64_t iterations = 0;
  double learning_rate = 0;
  std::vector<OptimizerSlot> slots;  ///< ordered by (variable, index)
};

struct TrainingState {
  uint64_t seed = 0;            ///< the global seed (current_seed())
  uint64_t epochs_trained = 0;  ///< epochs fit completed, over every call (keys the next shuffle)
  int64_t steps_trained = 0;
  /// Layer name → Layer::random_position(), for every layer.
  std::map<std::string, uint64_t> random_positions;
  std::optional<OptimizerState> optimizer;  ///< absent before compile
  /// The model as architecture_lines() describes it, and the XXH3-64 of those lines (hex).
  std::vector<std::string> architecture;
  std::string architecture_hash;
};

struct FitProgress {
  int epoch = 0;      ///< the epoch in progress, or the next one (0-based, Keras's initial_epoch)
  int64_t step = 0;   ///< batches of that epoch already trained (0: at its start)
  double loss_sum = 0;  ///< Σ loss × batch samples over those batches
  int64_t seen = 0;     ///< samples trained on in that epoch
  std::vector<double> metric_correct, metric_count;  ///< per compiled metric, over those batches
  bool stopped = false;  ///< a callback or probe stopped training
  History history;       ///< every finished epoch so far
  std::vector<nlohmann::json> callback_states;  ///< Callback::state() of fit's callbacks, in order
  // The fit it belongs to, checked when it resumes:
  int64_t batch_size = 0;
  bool shuffle = true;
  int64_t samples = 0;        ///< training samples (after a validation split)
  std::string data_hash;      ///< XXH3-64 (hex) over the training x and y bytes
};

/// One line per property that must match for a checkpoint to continue on a
/// model: its name (it keys the shuffle stream), input shape, each layer's
/// class, name and description, each variable's name, shape and trainability,
/// the optimizer's name, the loss and the metrics.
std::vector<std::string> architecture_lines(const Sequential& model);
/// XXH3-64 (16 hex digits) over the lines, each ended by '\n'.
std::string architecture_hash(const std::vector<std::string>& lines);
/// XXH3-64 (hex) over the bytes of x then y, as FitProgress::data_hash.
std::string data_hash(const Tensor& x, const Tensor& y);

}  // namespace initlab
