// An optimizer's state in Keras 3's layout (the optimizer/vars group of a
// .keras or .weights.h5 file, formats.md §2.4):
//   0  iteration       scalar int64
//   1  learning_rate   scalar float32
//   2… the slots, per trainable variable in the model's order, as each Keras
//      optimizer's build() creates them:
//        Adam     m(v0), v(v0), m(v1), v(v1), … (interleaved), then v̂max(v0), v̂max(v1), … with amsgrad
//        SGD      momentum(v0), momentum(v1), … (only with momentum)
//        RMSprop  velocity(v…), then momentum(v…) (momentum > 0), then average_gradient(v…) (centered)
//        Adagrad  accumulator(v0), accumulator(v1), …
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "initlab/io/weight_restore.hpp"
#include "initlab/nn/optimizer.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

/// Keras's name for the optimizer kind: "adam", "sgd", "rmsprop", "adagrad".
std::string keras_optimizer_name(const OptimizerImpl& optimizer);

/// The compiled model's optimizer state in Keras's layout; nullopt when the
/// model is not compiled or has not taken a step (an optimizer that was never
/// built writes no variables, as in Keras).
std::optional<FileOptimizer> keras_optimizer_state(Sequential& model);

/// What restoring a file's optimizer state would set.
struct OptimizerRestore {
  int64_t iterations = 0;
  std::optional<double> learning_rate;
  std::vector<OptimizerSlot> slots;
  std::string str() const;  ///< "Adam: 120 iterations, learning rate 0.001, 8 slots"
};

/// Checks the file's optimizer variables against the model's compiled
/// optimizer without changing anything. nullopt, with `reason` set ("the file
/// has 6 optimizer variables, Adam needs 10 for this model"), when the state
/// cannot be used.
std::optional<OptimizerRestore> plan_optimizer_restore(Sequential& model, const FileOptimizer& file,
                                                       std::string& reason);
/// Applies a plan from plan_optimizer_restore.
void apply_optimizer_restore(Sequential& model, const OptimizerRestore& plan);

}  // namespace initlab
