#include "initlab/nn/dense.hpp"

#include <fmt/format.h>

#include <limits>

#include "initlab/core/blas.hpp"
#include "initlab/core/error.hpp"

namespace initlab {

Dense::Dense(int64_t units, DenseOptions options) : Layer(options.name), units_(units), opt_(std::move(options)) {
  if (units < 1) throw ValueError(fmt::format("{}: units must be >= 1, got {}", label(), units));
}

Dense::Dense(int64_t units, const char* activation, DenseOptions options)
    : Dense(units, [&] {
        options.activation = Activation(activation);
        return std::move(options);
      }()) {}

Shape Dense::output_shape(const Shape& input_shape) const {
  if (input_shape.rank() < 1) {
    throw ShapeError(fmt::format("{}: needs inputs with a feature axis, got shape {}", label(), input_shape.str()));
  }
  check_input_not_empty(input_shape);
  std::vector<int64_t> d(input_shape.dims().begin(), input_shape.dims().end());
  d.back() = units_;
  return layer_shape(*this, "output", d);
}

std::vector<WeightSpec> Dense::weight_specs(const Shape& input_shape) const {
  (void)output_shape(input_shape);
  const int64_t in = input_shape[-1];
  std::vector<WeightSpec> specs;
  specs.push_back({"kernel", layer_shape(*this, "kernel", {in, units_}), opt_.kernel_initializer, true});
  // The bias sees the layer's fans (PyTorch's default init needs fan_in).
  if (opt_.use_bias) specs.push_back({"bias", Shape{units_}, opt_.bias_initializer, true, Fans{in, units_}});
  return specs;
}

int64_t Dense::working_values(const Shape& input_shape) const {
  // Pre-activation, output, and the gradients with respect to both.
  const int64_t out = output_shape(input_shape).numel();
  return out > std::numeric_limits<int64_t>::max() / 4 ? std::numeric_limits<int64_t>::max() : 4 * out;
}

void Dense::variables_created(const Shape& /*input_shape*/) {
  const auto v = variables();
  kernel_ = v[0];
  bias_ = opt_.use_bias ? v[1] : nullptr;
}

// x (N, ..., in) is treated as (M, in) with M = N·∏(middle axes).
Tensor Dense::forward(const Tensor& x, bool /*training*/) {
  check_input(*this, x, input_shape());
  const int64_t in = kernel_->shape()[0];
  const int64_t m = x.size() / in;
  std::vector<int64_t> out_dims(x.shape().dims().begin(), x.shape().dims().end());
  out_dims.back() = units_;
  const Shape out_shape(out_dims);
  x_ = x;
  z_ = Tensor(out_shape);
  float* z = z_.data();
  if (bias_ != nullptr) {
    const float* b = bias_->value().data();
    for (int64_t r = 0; r < m; ++r) std::copy(b, b + units_, z + r * units_);
  }
  // z (M, out) = x (M, in) · W (in, out) [+ b]
  gemm(false, false, m, units_, in, 1.0f, x.data(), in, kernel_->value().data(), units_, bias_ ? 1.0f : 0.0f, z,
       units_);
  if (opt_.activation.kind() == Activation::Kind::kLinear) {
    y_ = z_;
  } else {
    y_ = Tensor(out_shape);
    opt_.activation.forward(z_, y_);
  }
  return y_;
}

Tensor Dense::backward(const Tensor& dy) {
  if (opt_.activation.kind() == Activation::Kind::kLinear) return backward_from_pre_activation(dy);
  Tensor dz(dy.shape());
  opt_.activation.backward(z_, y_, dy, dz);
  return backward_from_pre_activation(dz);
}

Tensor Dense::backward_from_pre_activation(const Tensor& dz) {
  if (!(dz.shape() == z_.shape())) {
    throw ShapeError(fmt::format("layer '{}' (Dense): backward got dL/dz of shape {}, expected {}", name(),
                                 dz.shape().str(), z_.shape().str()));
  }
  const int64_t in = kernel_->shape()[0];
  const int64_t m = dz.size() / units_;
  const bool need_dx = input_gradient_needed();
  Tensor dx = need_dx ? Tensor(x_.shape()) : Tensor();
  // dW (in, out) = xᵀ (in, M) · dz (M, out) and dx (M, in) = dz (M, out) · Wᵀ (out, in):
  // independent products, side by side on two threads when they are small.
  const GemmCall products[2] = {
      {.trans_a = true, .m = in, .n = units_, .k = m, .a = x_.data(), .lda = in, .b = dz.data(), .ldb = units_,
       .c = gradient_slot(0).data(), .ldc = units_},
      {.trans_b = true, .m = m, .n = in, .k = units_, .a = dz.data(), .lda = units_, .b = kernel_->value().data(),
       .ldb = units_, .c = need_dx ? dx.data() : nullptr, .ldc = in}};
  gemm_independent(std::span<const GemmCall>(products, need_dx ? 2 : 1));
  if (bias_ != nullptr) {
    // db (out,) = Σ_rows dz; rows in order, so the sum does not depend on threads.
    float* db = gradient_slot(1).data();
    std::fill(db, db + units_, 0.0f);
    const float* g = dz.data();
    for (int64_t r = 0; r < m; ++r)
      for (int64_t j = 0; j < units_; ++j) db[j] += g[r * units_ + j];
  }
  return dx;
}

std::string Dense::describe() const { return opt_.activation.name(); }

}  // namespace initlab
