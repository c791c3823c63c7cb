// Keras's Activation layer: y = f(x), no variables.
#pragma once

#include "initlab/nn/activation.hpp"
#include "initlab/nn/layer.hpp"

namespace initlab {

class ActivationLayer : public Layer {
 public:
  explicit ActivationLayer(Activation activation, std::string name = "")
      : Layer(std::move(name)), activation_(activation) {}
  std::string class_name() const override { return "Activation"; }
  std::string default_name() const override { return "activation"; }
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  std::string describe() const override { return activation_.name(); }
  const Activation& activation() const { return activation_; }

 private:
  Activation activation_;
  Tensor x_, y_;
};

}  // namespace initlab
