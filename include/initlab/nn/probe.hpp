// Probe: an observer of a Sequential's passes, declared here so that
// diagnostics (diag/) can watch layers without nn/ knowing about them. A
// model with no probe attached pays nothing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "initlab/core/tensor.hpp"

namespace initlab {

class Layer;
class Sequential;

class Probe {
 public:
  virtual ~Probe() = default;
  /// Whether the probe wants the passes of the current step (checked once per
  /// step; false skips every call below for that step).
  virtual bool wants_step(int64_t step) { (void)step; return true; }
  /// After layer `index` computed `output` (training: fit and gradients).
  virtual void on_forward(const Layer& layer, size_t index, const Tensor& output) {
    (void)layer, (void)index, (void)output;
  }
  /// After layer `index` ran backward, given `d_output` = ∂L/∂(its output);
  /// its variable gradients are in layer.gradient(i). For the last layer when
  /// the loss is fused with its sigmoid/softmax, `d_output` is ∂L/∂z and
  /// `fused` is true.
  virtual void on_backward(const Layer& layer, size_t index, const Tensor& d_output, bool fused) {
    (void)layer, (void)index, (void)d_output, (void)fused;
  }
  /// After the optimizer step of fit's training step `step` (0 for the first),
  /// with the batch's loss; called for every probe on every step. Setting
  /// model.stop_training ends fit after this step.
  virtual void on_step_end(Sequential& model, int64_t step, double loss) { (void)model, (void)step, (void)loss; }
};

}  // namespace initlab
