// Activation functions, resolved once from their Keras names.
#pragma once

#include <string>
#include <vector>

#include "initlab/core/tensor.hpp"

namespace initlab {

class Activation {
 public:
  enum class Kind { kLinear, kSigmoid, kTanh, kRelu, kSoftmax, kLeakyRelu, kElu, kSelu, kGelu, kSwish, kSoftplus };

  /// linear.
  Activation() = default;
  /// By Keras name: linear, sigmoid, tanh, relu, softmax, leaky_relu (negative
  /// slope 0.2), elu (alpha 1), selu, gelu (exact, erf form), swish / silu,
  /// softplus. Throws ConfigError listing the valid names.
  Activation(const std::string& name);  // NOLINT(google-explicit-constructor): Keras-style
  Activation(const char* name) : Activation(std::string(name)) {}  // NOLINT
  Activation(Kind kind, double alpha);

  static std::vector<std::string> names();

  Kind kind() const { return kind_; }
  double alpha() const { return alpha_; }
  std::string name() const;

  /// a = f(z), element-wise (softmax: over the last axis). a may alias z.
  void forward(const Tensor& z, Tensor& a) const;
  /// dz = f'(z) ⊙ da (softmax: its Jacobian applied to da). Needs z and a = f(z).
  void backward(const Tensor& z, const Tensor& a, const Tensor& da, Tensor& dz) const;

 private:
  Kind kind_ = Kind::kLinear;
  double alpha_ = 0;
};

}  // namespace initlab
