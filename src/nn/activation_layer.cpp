#include "initlab/nn/activation_layer.hpp"

namespace initlab {

Tensor ActivationLayer::forward(const Tensor& x, bool /*training*/) {
  check_input(*this, x, input_shape());
  x_ = x;
  y_ = Tensor(x.shape());
  activation_.forward(x, y_);
  return y_;
}

Tensor ActivationLayer::backward(const Tensor& dy) {
  Tensor dx(dy.shape());
  activation_.backward(x_, y_, dy, dx);
  return dx;
}

}  // namespace initlab
