// Conv2D on NHWC images: y = activation(conv(x, K) + b), kernel (kh, kw, in, out),
// strides, padding "valid" or "same" (TensorFlow's: out = ceil(in / stride),
// the extra padding after). Keras defaults: glorot_uniform kernel, zeros bias.
// Computed as im2col + one GEMM per batch.
#pragma once

#include <array>

#include "initlab/init/initializer.hpp"
#include "initlab/nn/activation.hpp"
#include "initlab/nn/layer.hpp"

namespace initlab {

struct Conv2DOptions {
  std::array<int64_t, 2> strides{1, 1};
  std::string padding = "valid";
  Activation activation{};
  bool use_bias = true;
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer bias_initializer{"zeros"};
  std::string name{};
};

class Conv2D : public Layer {
 public:
  /// Conv2D(32, {3, 3}, {.activation = "relu", .kernel_initializer = "he_uniform"})
  /// filters, kernel_size and strides >= 1 on every axis, padding valid or same;
  /// with valid padding the kernel must fit the input (checked by output_shape).
  Conv2D(int64_t filters, std::array<int64_t, 2> kernel_size, Conv2DOptions options = {});

  std::string class_name() const override { return "Conv2D"; }
  std::string default_name() const override { return "conv2d"; }
  Shape output_shape(const Shape& input_shape) const override;
  std::vector<WeightSpec> weight_specs(const Shape& input_shape) const override;
  int64_t working_values(const Shape& input_shape) const override;
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  std::string describe() const override { return opt_.activation.name(); }
  int64_t filters() const { return filters_; }
  std::array<int64_t, 2> kernel_size() const { return k_; }
  const Conv2DOptions& options() const { return opt_; }
  Variable& kernel() { return *kernel_; }
  Variable* bias() { return bias_; }
  const Variable& kernel() const { return *kernel_; }
  const Activation& activation() const { return opt_.activation; }
  /// The pre-activation z of the last forward (N, OH, OW, F), and its output f(z).
  const Tensor& pre_activation() const { return z_; }
  const Tensor& output() const { return y_; }

 protected:
  void variables_created(const Shape& input_shape) override;

 private:
  struct Geometry {
    int64_t h, w, c, oh, ow, pad_top, pad_left;
  };
  Geometry geometry(const Shape& input_shape) const;

  int64_t filters_;
  std::array<int64_t, 2> k_;
  Conv2DOptions opt_;
  Variable* kernel_ = nullptr;
  Variable* bias_ = nullptr;
  Tensor cols_, z_, y_;  // last forward: patches (N·OH·OW, kh·kw·C), pre-activation, output
  int64_t batch_ = 0;
};

}  // namespace initlab
