// BatchNormalization over the last axis (Keras defaults: momentum 0.99,
// epsilon 1e-3, gamma ones, beta zeros, moving mean zeros, moving variance ones).
// Training: y = γ·(x − μ_B)/√(σ²_B + ε) + β with the batch's mean and (biased)
// variance, and moving ← moving·momentum + batch·(1 − momentum).
// Inference: the moving statistics instead.
#pragma once

#include "initlab/nn/layer.hpp"

namespace initlab {

struct BatchNormalizationOptions {
  double momentum = 0.99;
  double epsilon = 1e-3;
  std::string name{};
};

class BatchNormalization : public Layer {
 public:
  /// momentum in [0, 1], epsilon finite and > 0.
  explicit BatchNormalization(BatchNormalizationOptions options = {});
  std::string class_name() const override { return "BatchNormalization"; }
  std::string default_name() const override { return "batch_normalization"; }
  Shape output_shape(const Shape& input_shape) const override;
  std::vector<WeightSpec> weight_specs(const Shape& input_shape) const override;
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  const BatchNormalizationOptions& options() const { return opt_; }

 private:
  BatchNormalizationOptions opt_;
  Tensor xhat_;                  // last training forward: normalized input
  std::vector<double> inv_std_;  // 1/√(σ²_B + ε) per feature
  bool trained_forward_ = false;
};

}  // namespace initlab
