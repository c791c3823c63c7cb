// Keras's Normalization layer: y = (x − mean) / max(√variance, ε) per feature
// (last axis), with mean and variance learned by adapt(data). Not trainable.
#pragma once

#include "initlab/nn/layer.hpp"

namespace initlab {

class Normalization : public Layer {
 public:
  explicit Normalization(std::string name = "") : Layer(std::move(name)) {}
  std::string class_name() const override { return "Normalization"; }
  std::string default_name() const override { return "normalization"; }
  Shape output_shape(const Shape& input_shape) const override;
  std::vector<WeightSpec> weight_specs(const Shape& input_shape) const override;

  /// Learns the per-feature mean and (population) variance of data (N, features).
  void adapt(const Tensor& data);
  bool adapted() const { return adapted_; }

  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 protected:
  void variables_created(const Shape& input_shape) override;

 private:
  Tensor pending_mean_, pending_var_;  // from adapt() before build
  bool adapted_ = false;
};

}  // namespace initlab
