#include "initlab/nn/dropout.hpp"

#include <fmt/format.h>

#include <limits>

#include "initlab/core/error.hpp"
#include "initlab/core/random_stream.hpp"
#include "initlab/core/seed.hpp"

namespace initlab {

Dropout::Dropout(double rate, std::string name) : Layer(std::move(name)), rate_(rate) {
  if (!(rate >= 0 && rate < 1)) throw ValueError(fmt::format("{}: rate must be in [0, 1), got {}", label(), rate));
}

int64_t Dropout::working_values(const Shape& input_shape) const {
  // Output, mask and the input gradient.
  const int64_t n = input_shape.numel();
  return n > std::numeric_limits<int64_t>::max() / 3 ? std::numeric_limits<int64_t>::max() : 3 * n;
}

Tensor Dropout::forward(const Tensor& x, bool training) {
  check_input(*this, x, input_shape());
  if (!training || rate_ == 0) {
    mask_ = Tensor();
    return x;
  }
  mask_ = Tensor(x.shape());
  RandomStream::named(current_seed(), name() + "/dropout").substream(step_++).fill_bernoulli(mask_.values(), 1.0 - rate_);
  const auto scale = static_cast<float>(1.0 / (1.0 - rate_));
  Tensor y(x.shape());
  for (int64_t i = 0; i < x.size(); ++i) {
    mask_[i] *= scale;
    y[i] = x[i] * mask_[i];
  }
  return y;
}

Tensor Dropout::backward(const Tensor& dy) {
  if (mask_.rank() == 0) return dy;
  Tensor dx(dy.shape());
  for (int64_t i = 0; i < dy.size(); ++i) dx[i] = dy[i] * mask_[i];
  return dx;
}

}  // namespace initlab
