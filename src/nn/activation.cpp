#include "initlab/nn/activation.hpp"

#include <fmt/format.h>

#include <cmath>

#include "initlab/core/error.hpp"

namespace initlab {
namespace {

// SELU constants (Klambauer et al. 2017).
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr float kInvSqrt2 = 0.70710678118654752440f;
constexpr float kInvSqrt2Pi = 0.39894228040143267794f;

inline float sigmoid(float z) {
  // Stable on both sides: never exp of a large positive number.
  if (z >= 0) return 1.0f / (1.0f + std::exp(-z));
  const float e = std::exp(z);
  return e / (1.0f + e);
}

}  // namespace

Activation::Activation(Kind kind, double alpha) : kind_(kind), alpha_(alpha) {}

Activation::Activation(const std::string& name) {
  if (name == "linear" || name.empty()) kind_ = Kind::kLinear;
  else if (name == "sigmoid") kind_ = Kind::kSigmoid;
  else if (name == "tanh") kind_ = Kind::kTanh;
  else if (name == "relu") kind_ = Kind::kRelu;
  else if (name == "softmax") kind_ = Kind::kSoftmax;
  else if (name == "leaky_relu") { kind_ = Kind::kLeakyRelu; alpha_ = 0.2; }  // keras.activations.leaky_relu default
  else if (name == "elu") { kind_ = Kind::kElu; alpha_ = 1.0; }
  else if (name == "selu") kind_ = Kind::kSelu;
  else if (name == "gelu") kind_ = Kind::kGelu;
  else if (name == "swish" || name == "silu") kind_ = Kind::kSwish;
  else if (name == "softplus") kind_ = Kind::kSoftplus;
  else {
    throw ConfigError(fmt::format("unknown activation '{}' (expected one of {})", name, fmt::join(names(), ", ")));
  }
}

std::vector<std::string> Activation::names() {
  return {"linear", "sigmoid", "tanh", "relu", "softmax", "leaky_relu", "elu", "selu", "gelu", "swish", "silu",
          "softplus"};
}

std::string Activation::name() const {
  switch (kind_) {
    case Kind::kLinear: return "linear";
    case Kind::kSigmoid: return "sigmoid";
    case Kind::kTanh: return "tanh";
    case Kind::kRelu: return "relu";
    case Kind::kSoftmax: return "softmax";
    case Kind::kLeakyRelu: return "leaky_relu";
    case Kind::kElu: return "elu";
    case Kind::kSelu: return "selu";
    case Kind::kGelu: return "gelu";
    case Kind::kSwish: return "swish";
    case Kind::kSoftplus: return "softplus";
  }
  return "?";
}

// Shapes: z, a, da, dz all (N, features); softmax runs over the last axis.
void Activation::forward(const Tensor& z, Tensor& a) const {
  const int64_t n = z.size();
  const float* x = z.data();
  float* y = a.data();
  const auto al = static_cast<float>(alpha_);
  switch (kind_) {
    case Kind::kLinear:
      if (y != x) for (int64_t i = 0; i < n; ++i) y[i] = x[i];
      break;
    case Kind::kSigmoid:
      for (int64_t i = 0; i < n; ++i) y[i] = sigmoid(x[i]);
      break;
    case Kind::kTanh:
      for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
      break;
    // The value is loaded once, before the select: a load inside one arm is
    // a conditional load, and GCC then keeps the branch instead of vectorizing.
    case Kind::kRelu:
      for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = v > 0 ? v : 0.0f;
      }
      break;
    case Kind::kLeakyRelu:
      for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        y[i] = v > 0 ? v : al * v;
      }
      break;
    case Kind::kElu:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0 ? x[i] : al * std::expm1(x[i]);
      break;
    case Kind::kSelu:
      for (int64_t i = 0; i < n; ++i) {
        y[i] = static_cast<float>(kSeluScale * (x[i] > 0 ? x[i] : kSeluAlpha * std::expm1(x[i])));
      }
      break;
    case Kind::kGelu:
      for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * kInvSqrt2));
      break;
    case Kind::kSwish:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] * sigmoid(x[i]);
      break;
    case Kind::kSoftplus:
      for (int64_t i = 0; i < n; ++i) y[i] = std::log1p(std::exp(-std::fabs(x[i]))) + std::max(x[i], 0.0f);
      break;
    case Kind::kSoftmax: {
      const int64_t f = z.rank() == 0 ? 1 : z.dim(-1);
      for (int64_t r = 0; r < n / f; ++r) {
        const float* zr = x + r * f;
        float* ar = y + r * f;
        float mx = zr[0];
        for (int64_t j = 1; j < f; ++j) mx = std::max(mx, zr[j]);
        double sum = 0;
        for (int64_t j = 0; j < f; ++j) {
          ar[j] = std::exp(zr[j] - mx);
          sum += ar[j];
        }
        const auto inv = static_cast<float>(1.0 / sum);
        for (int64_t j = 0; j < f; ++j) ar[j] *= inv;
      }
      break;
    }
  }
}

void Activation::backward(const Tensor& z, const Tensor& a, const Tensor& da, Tensor& dz) const {
  const int64_t n = z.size();
  const float* x = z.data();
  const float* y = a.data();
  const float* g = da.data();
  float* d = dz.data();
  const auto al = static_cast<float>(alpha_);
  switch (kind_) {
    case Kind::kLinear:
      if (d != g) for (int64_t i = 0; i < n; ++i) d[i] = g[i];
      break;
    case Kind::kSigmoid:
      for (int64_t i = 0; i < n; ++i) d[i] = g[i] * y[i] * (1.0f - y[i]);
      break;
    case Kind::kTanh:
      for (int64_t i = 0; i < n; ++i) d[i] = g[i] * (1.0f - y[i] * y[i]);
      break;
    // Both sides of each select are loaded unconditionally, so the compiler
    // turns the loop into vector blends: a branch on the sign of z is
    // mispredicted about half the time.
    case Kind::kRelu:
      for (int64_t i = 0; i < n; ++i) {
        const float gi = g[i];
        d[i] = x[i] > 0 ? gi : 0.0f;
      }
      break;
    case Kind::kLeakyRelu:
      for (int64_t i = 0; i < n; ++i) {
        const float gi = g[i];
        d[i] = x[i] > 0 ? gi : al * gi;
      }
      break;
    case Kind::kElu:
      for (int64_t i = 0; i < n; ++i) d[i] = x[i] > 0 ? g[i] : g[i] * (y[i] + al);
      break;
    case Kind::kSelu:
      for (int64_t i = 0; i < n; ++i) {
        d[i] = static_cast<float>(g[i] * (x[i] > 0 ? kSeluScale : kSeluScale * kSeluAlpha * std::exp(x[i])));
      }
      break;
    case Kind::kGelu:
      for (int64_t i = 0; i < n; ++i) {
        const float cdf = 0.5f * (1.0f + std::erf(x[i] * kInvSqrt2));
        const float pdf = kInvSqrt2Pi * std::exp(-0.5f * x[i] * x[i]);
        d[i] = g[i] * (cdf + x[i] * pdf);
      }
      break;
    case Kind::kSwish:
      for (int64_t i = 0; i < n; ++i) {
        const float s = sigmoid(x[i]);
        d[i] = g[i] * (s + x[i] * s * (1.0f - s));
      }
      break;
    case Kind::kSoftplus:
      for (int64_t i = 0; i < n; ++i) d[i] = g[i] * sigmoid(x[i]);
      break;
    case Kind::kSoftmax: {
      const int64_t f = z.rank() == 0 ? 1 : z.dim(-1);
      for (int64_t r = 0; r < n / f; ++r) {
        const float* ar = y + r * f;
        const float* gr = g + r * f;
        float* dr = d + r * f;
        double dot = 0;
        for (int64_t j = 0; j < f; ++j) dot += static_cast<double>(ar[j]) * gr[j];
        for (int64_t j = 0; j < f; ++j) dr[j] = ar[j] * (gr[j] - static_cast<float>(dot));
      }
      break;
    }
  }
}

}  // namespace initlab
