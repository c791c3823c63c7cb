#include "initlab/nn/normalization.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "initlab/core/error.hpp"

namespace initlab {
namespace {

constexpr float kEpsilon = 1e-7f;  // keras.backend.epsilon()

}  // namespace

void Normalization::adapt(const Tensor& data) {
  if (data.rank() < 2 || data.size() == 0) {
    throw ShapeError(fmt::format("Normalization.adapt: expected data of shape (samples, features), got {}",
                                 data.shape().str()));
  }
  const int64_t f = data.dim(-1), n = data.size() / f;
  std::vector<double> mean(static_cast<size_t>(f), 0.0), m2(static_cast<size_t>(f), 0.0);
  const float* x = data.data();
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t j = 0; j < f; ++j) {
      const double v = x[r * f + j];
      if (!std::isfinite(v)) {
        throw ValueError(fmt::format("Normalization.adapt: data has a non-finite value ({}) at sample {}, feature {}",
                                     v, r, j));
      }
      const double d = v - mean[j];
      mean[j] += d / static_cast<double>(r + 1);
      m2[j] += d * (v - mean[j]);
    }
  }
  Tensor mt(Shape{f}), vt(Shape{f});
  for (int64_t j = 0; j < f; ++j) {
    mt[j] = static_cast<float>(mean[j]);
    vt[j] = static_cast<float>(m2[j] / static_cast<double>(n));
  }
  if (built()) {
    variables()[0]->assign(mt);
    variables()[1]->assign(vt);
  } else {
    pending_mean_ = mt;
    pending_var_ = vt;
  }
  adapted_ = true;
}

Shape Normalization::output_shape(const Shape& input_shape) const {
  if (input_shape.rank() < 1) {
    throw ShapeError(fmt::format("{}: needs inputs with a feature axis, got shape {}", label(), input_shape.str()));
  }
  check_input_not_empty(input_shape);
  if (adapted_ && pending_mean_.size() != input_shape[-1] && !built()) {
    throw ShapeError(fmt::format("{}: adapted on {} features, given inputs of shape {}", label(), pending_mean_.size(),
                                 input_shape.str()));
  }
  return input_shape;
}

std::vector<WeightSpec> Normalization::weight_specs(const Shape& input_shape) const {
  (void)output_shape(input_shape);
  const Shape f{input_shape[-1]};
  return {{"mean", f, "zeros", false}, {"variance", f, "ones", false}};
}

void Normalization::variables_created(const Shape& input_shape) {
  const int64_t f = input_shape[-1];
  Variable& mean = *variables()[0];
  Variable& var = *variables()[1];
  if (adapted_) {
    if (pending_mean_.size() != f) {
      throw ShapeError(fmt::format("layer '{}' (Normalization): adapted on {} features, built for {}", name(),
                                   pending_mean_.size(), f));
    }
    mean.assign(pending_mean_);
    var.assign(pending_var_);
  }
}

Tensor Normalization::forward(const Tensor& x, bool /*training*/) {
  check_input(*this, x, input_shape());
  const auto vars = variables();
  const float* mean = vars[0]->value().data();
  const float* var = vars[1]->value().data();
  const int64_t f = x.dim(-1);
  Tensor y(x.shape());
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t j = i % f;
    y[i] = (x[i] - mean[j]) / std::max(std::sqrt(var[j]), kEpsilon);
  }
  return y;
}

Tensor Normalization::backward(const Tensor& dy) {
  const float* var = variables()[1]->value().data();
  const int64_t f = dy.dim(-1);
  Tensor dx(dy.shape());
  for (int64_t i = 0; i < dy.size(); ++i) dx[i] = dy[i] / std::max(std::sqrt(var[i % f]), kEpsilon);
  return dx;
}

}  // namespace initlab
