// Dense: y = activation(x · W + b), W (in, out), b (out,). Keras defaults:
// glorot_uniform kernel, zeros bias, linear activation. On inputs of any rank
// it acts on the last axis, as Keras's: a (28, 28) sample into Dense(100) has a
// (28, 100) kernel and gives (28, 100).
#pragma once

#include "initlab/init/initializer.hpp"
#include "initlab/nn/activation.hpp"
#include "initlab/nn/layer.hpp"

namespace initlab {

struct DenseOptions {
  Activation activation{};
  bool use_bias = true;
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer bias_initializer{"zeros"};
  std::string name{};
};

class Dense : public Layer {
 public:
  /// Dense(64, {.activation = "relu", .kernel_initializer = "he_normal", .name = "layer1"})
  explicit Dense(int64_t units, DenseOptions options = {});
  /// Dense(64, "relu"), as Keras's Dense(64, activation="relu"); the other options as above.
  Dense(int64_t units, const char* activation, DenseOptions options = {});

  std::string class_name() const override { return "Dense"; }
  std::string default_name() const override { return "dense"; }
  Shape output_shape(const Shape& input_shape) const override;
  std::vector<WeightSpec> weight_specs(const Shape& input_shape) const override;
  int64_t working_values(const Shape& input_shape) const override;
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  std::string describe() const override;

  int64_t units() const { return units_; }
  const Activation& activation() const { return opt_.activation; }
  const DenseOptions& options() const { return opt_; }
  Variable& kernel() { return *kernel_; }
  Variable* bias() { return bias_; }
  const Variable& kernel() const { return *kernel_; }
  const Variable* bias() const { return bias_; }

  /// The pre-activation z = x·W + b of the last forward, and its output f(z).
  const Tensor& pre_activation() const { return z_; }
  const Tensor& output() const { return y_; }
  /// backward() given dL/dz directly (for a loss fused with the activation).
  Tensor backward_from_pre_activation(const Tensor& dz);

 protected:
  void variables_created(const Shape& input_shape) override;

 private:
  int64_t units_;
  DenseOptions opt_;
  Variable* kernel_ = nullptr;
  Variable* bias_ = nullptr;
  Tensor x_, z_, y_;  // last forward: input (M, in), pre-activation and output (M, out)
};

}  // namespace initlab
