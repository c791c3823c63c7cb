#include "initlab/nn/batch_normalization.hpp"

#include <fmt/format.h>

#include <cmath>

#include "initlab/core/error.hpp"

namespace initlab {

BatchNormalization::BatchNormalization(BatchNormalizationOptions options)
    : Layer(options.name), opt_(std::move(options)) {
  if (!(opt_.momentum >= 0 && opt_.momentum <= 1)) {
    throw ValueError(fmt::format("{}: momentum must be in [0, 1], got {}", label(), opt_.momentum));
  }
  if (!(opt_.epsilon > 0 && std::isfinite(opt_.epsilon))) {
    throw ValueError(fmt::format("{}: epsilon must be finite and > 0, got {}", label(), opt_.epsilon));
  }
}

Shape BatchNormalization::output_shape(const Shape& input_shape) const {
  if (input_shape.rank() < 1) {
    throw ShapeError(fmt::format("{}: needs inputs with a feature axis, got shape {}", label(), input_shape.str()));
  }
  check_input_not_empty(input_shape);
  return input_shape;
}

std::vector<WeightSpec> BatchNormalization::weight_specs(const Shape& input_shape) const {
  (void)output_shape(input_shape);
  const Shape f{input_shape[-1]};
  return {{"gamma", f, "ones", true}, {"beta", f, "zeros", true}, {"moving_mean", f, "zeros", false},
          {"moving_variance", f, "ones", false}};
}

// x (M, F) over its last axis; statistics in double, rows summed in order.
Tensor BatchNormalization::forward(const Tensor& x, bool training) {
  check_input(*this, x, input_shape());
  const auto v = variables();
  const float* gamma = v[0]->value().data();
  const float* beta = v[1]->value().data();
  const int64_t f = x.dim(-1), m = x.size() / f;
  Tensor y(x.shape());
  trained_forward_ = training;
  if (!training) {
    const float* mean = v[2]->value().data();
    const float* var = v[3]->value().data();
    for (int64_t i = 0; i < x.size(); ++i) {
      const int64_t j = i % f;
      y[i] = static_cast<float>(gamma[j] * (x[i] - mean[j]) / std::sqrt(var[j] + opt_.epsilon) + beta[j]);
    }
    return y;
  }
  std::vector<double> mean(static_cast<size_t>(f), 0.0), var(static_cast<size_t>(f), 0.0);
  for (int64_t r = 0; r < m; ++r)
    for (int64_t j = 0; j < f; ++j) mean[j] += x[r * f + j];
  for (auto& s : mean) s /= static_cast<double>(m);
  for (int64_t r = 0; r < m; ++r)
    for (int64_t j = 0; j < f; ++j) var[j] += (x[r * f + j] - mean[j]) * (x[r * f + j] - mean[j]);
  for (auto& s : var) s /= static_cast<double>(m);
  inv_std_.assign(static_cast<size_t>(f), 0.0);
  for (int64_t j = 0; j < f; ++j) inv_std_[j] = 1.0 / std::sqrt(var[j] + opt_.epsilon);
  xhat_ = Tensor(x.shape());
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t j = i % f;
    xhat_[i] = static_cast<float>((x[i] - mean[j]) * inv_std_[j]);
    y[i] = gamma[j] * xhat_[i] + beta[j];
  }
  float* mm = v[2]->mutable_value().data();
  float* mv = v[3]->mutable_value().data();
  for (int64_t j = 0; j < f; ++j) {
    mm[j] = static_cast<float>(mm[j] * opt_.momentum + mean[j] * (1 - opt_.momentum));
    mv[j] = static_cast<float>(mv[j] * opt_.momentum + var[j] * (1 - opt_.momentum));
  }
  return y;
}

// dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)); dγ = Σ dy·x̂; dβ = Σ dy.
Tensor BatchNormalization::backward(const Tensor& dy) {
  if (!trained_forward_) {
    throw ValueError(fmt::format("layer '{}' (BatchNormalization): backward after an inference forward", name()));
  }
  const float* gamma = variables()[0]->value().data();
  const int64_t f = dy.dim(-1), m = dy.size() / f;
  std::vector<double> sum_dy(static_cast<size_t>(f), 0.0), sum_dy_xhat(static_cast<size_t>(f), 0.0);
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t j = 0; j < f; ++j) {
      sum_dy[j] += dy[r * f + j];
      sum_dy_xhat[j] += static_cast<double>(dy[r * f + j]) * xhat_[r * f + j];
    }
  }
  float* dgamma = gradient_slot(0).data();
  float* dbeta = gradient_slot(1).data();
  for (int64_t j = 0; j < f; ++j) {
    dgamma[j] = static_cast<float>(sum_dy_xhat[j]);
    dbeta[j] = static_cast<float>(sum_dy[j]);
  }
  if (!input_gradient_needed()) return Tensor();
  Tensor dx(dy.shape());
  const double inv_m = 1.0 / static_cast<double>(m);
  for (int64_t i = 0; i < dy.size(); ++i) {
    const int64_t j = i % f;
    dx[i] = static_cast<float>(gamma[j] * inv_std_[j] *
                               (dy[i] - sum_dy[j] * inv_m - xhat_[i] * sum_dy_xhat[j] * inv_m));
  }
  return dx;
}

}  // namespace initlab
