#include "initlab/nn/loss.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "initlab/core/error.hpp"

namespace initlab {
namespace {

constexpr double kEpsilon = 1e-7;  // keras.backend.epsilon(): probability clipping

int64_t features_of(const Tensor& t) { return t.rank() == 0 ? 1 : t.dim(-1); }

}  // namespace

Loss::Loss(const std::string& name, bool from_logits) : from_logits_(from_logits) {
  if (name == "mean_squared_error" || name == "mse" || name == "MeanSquaredError") {
    kind_ = Kind::kMeanSquaredError;
  } else if (name == "binary_crossentropy" || name == "BinaryCrossentropy") {
    kind_ = Kind::kBinaryCrossentropy;
  } else if (name == "categorical_crossentropy" || name == "CategoricalCrossentropy") {
    kind_ = Kind::kCategoricalCrossentropy;
  } else if (name == "sparse_categorical_crossentropy" || name == "SparseCategoricalCrossentropy") {
    kind_ = Kind::kSparseCategoricalCrossentropy;
  } else {
    throw ConfigError(fmt::format(
        "unknown loss '{}' (expected one of mean_squared_error (mse), binary_crossentropy, categorical_crossentropy, "
        "sparse_categorical_crossentropy)",
        name));
  }
}

std::string Loss::name() const {
  switch (kind_) {
    case Kind::kMeanSquaredError: return "mean_squared_error";
    case Kind::kBinaryCrossentropy: return "binary_crossentropy";
    case Kind::kCategoricalCrossentropy: return "categorical_crossentropy";
    case Kind::kSparseCategoricalCrossentropy: return "sparse_categorical_crossentropy";
  }
  return "?";
}

void Loss::check_targets(const Shape& pred, const Tensor& target, const char* what) const {
  const int64_t n = pred.rank() == 0 ? 1 : pred[0];
  if (kind_ == Kind::kSparseCategoricalCrossentropy) {
    const bool shape_ok = target.rank() >= 1 && target.dim(0) == n && target.size() == n;
    if (!shape_ok) {
      throw ShapeError(fmt::format("loss {}: {} has shape {}, expected ({},) or ({}, 1) integer labels for the "
                                   "model output {}",
                                   name(), what, target.shape().str(), n, n, pred.str()));
    }
    const int64_t classes = pred.rank() == 0 ? 1 : pred[-1];
    for (int64_t i = 0; i < n; ++i) {
      const float v = target[i];
      if (!(v >= 0 && v < static_cast<float>(classes)) || v != std::floor(v)) {
        throw ValueError(fmt::format("loss {}: label {} of sample {} in {} is out of range (expected an integer in "
                                     "[0, {}) for {} output units)",
                                     name(), v, i, what, classes, classes));
      }
    }
    return;
  }
  if (!(target.shape() == pred)) {
    throw ShapeError(fmt::format("loss {}: {} has shape {}, expected {} to match the model output", name(), what,
                                 target.shape().str(), pred.str()));
  }
}

double Loss::compute(const Tensor& pred, const Tensor& target, Tensor* grad) const {
  if (from_logits_ && kind_ != Kind::kMeanSquaredError) return compute_from_logits(pred, target, grad);
  const int64_t f = features_of(pred), n = pred.size() / f;
  const float* p = pred.data();
  const float* y = target.data();
  float* g = grad ? grad->data() : nullptr;
  double total = 0;
  switch (kind_) {
    case Kind::kMeanSquaredError: {
      const double scale = 2.0 / static_cast<double>(n * f);
      for (int64_t i = 0; i < pred.size(); ++i) {
        const double d = static_cast<double>(p[i]) - y[i];
        total += d * d;
        if (g) g[i] = static_cast<float>(scale * d);
      }
      return total / static_cast<double>(n * f);
    }
    case Kind::kBinaryCrossentropy: {
      const double scale = 1.0 / static_cast<double>(n * f);
      for (int64_t i = 0; i < pred.size(); ++i) {
        const double q = std::clamp(static_cast<double>(p[i]), kEpsilon, 1.0 - kEpsilon);
        total -= y[i] * std::log(q) + (1.0 - y[i]) * std::log(1.0 - q);
        // d/dp of the clipped loss: zero where the clip is active.
        const bool clipped = p[i] < kEpsilon || p[i] > 1.0 - kEpsilon;
        if (g) g[i] = clipped ? 0.0f : static_cast<float>(scale * (q - y[i]) / (q * (1.0 - q)));
      }
      return total / static_cast<double>(n * f);
    }
    case Kind::kCategoricalCrossentropy:
    case Kind::kSparseCategoricalCrossentropy: {
      const bool sparse = kind_ == Kind::kSparseCategoricalCrossentropy;
      for (int64_t r = 0; r < n; ++r) {
        const float* pr = p + r * f;
        double sum = 0;
        for (int64_t j = 0; j < f; ++j) sum += pr[j];
        for (int64_t j = 0; j < f; ++j) {
          const double yj = sparse ? (static_cast<int64_t>(y[r]) == j ? 1.0 : 0.0) : y[r * f + j];
          const double q = std::clamp(pr[j] / sum, kEpsilon, 1.0 - kEpsilon);
          total -= yj * std::log(q);
        }
        if (g) {
          // L_r = −Σ_j y_j log(p_j / S): dL/dp_k = (Σ_j y_j)/S − y_k/p_k, over the batch mean.
          double ysum = 0;
          for (int64_t j = 0; j < f; ++j) ysum += sparse ? (static_cast<int64_t>(y[r]) == j) : y[r * f + j];
          for (int64_t k = 0; k < f; ++k) {
            const double yk = sparse ? (static_cast<int64_t>(y[r]) == k ? 1.0 : 0.0) : y[r * f + k];
            const double pk = std::max(static_cast<double>(pr[k]), kEpsilon * sum);
            g[r * f + k] = static_cast<float>((ysum / sum - yk / pk) / static_cast<double>(n));
          }
        }
      }
      return total / static_cast<double>(n);
    }
  }
  return 0;
}

double Loss::compute_from_logits(const Tensor& z, const Tensor& target, Tensor* dz) const {
  const int64_t f = features_of(z), n = z.size() / f;
  const float* x = z.data();
  const float* y = target.data();
  float* g = dz ? dz->data() : nullptr;
  double total = 0;
  switch (kind_) {
    case Kind::kMeanSquaredError:
      throw ValueError("loss mean_squared_error has no logits form");
    case Kind::kBinaryCrossentropy: {
      const double scale = 1.0 / static_cast<double>(n * f);
      for (int64_t i = 0; i < z.size(); ++i) {
        const double v = x[i];
        // max(z, 0) − z·y + log(1 + e^−|z|)
        total += std::max(v, 0.0) - v * y[i] + std::log1p(std::exp(-std::fabs(v)));
        if (g) {
          const double s = v >= 0 ? 1.0 / (1.0 + std::exp(-v)) : std::exp(v) / (1.0 + std::exp(v));
          g[i] = static_cast<float>(scale * (s - y[i]));
        }
      }
      return total / static_cast<double>(n * f);
    }
    case Kind::kCategoricalCrossentropy:
    case Kind::kSparseCategoricalCrossentropy: {
      const bool sparse = kind_ == Kind::kSparseCategoricalCrossentropy;
      for (int64_t r = 0; r < n; ++r) {
        const float* zr = x + r * f;
        double mx = zr[0];
        for (int64_t j = 1; j < f; ++j) mx = std::max(mx, static_cast<double>(zr[j]));
        double se = 0;
        for (int64_t j = 0; j < f; ++j) se += std::exp(zr[j] - mx);
        const double lse = mx + std::log(se);
        double ysum = 0;
        for (int64_t j = 0; j < f; ++j) {
          const double yj = sparse ? (static_cast<int64_t>(y[r]) == j ? 1.0 : 0.0) : y[r * f + j];
          total -= yj * (zr[j] - lse);
          ysum += yj;
        }
        if (g) {
          for (int64_t j = 0; j < f; ++j) {
            const double yj = sparse ? (static_cast<int64_t>(y[r]) == j ? 1.0 : 0.0) : y[r * f + j];
            g[r * f + j] = static_cast<float>((std::exp(zr[j] - lse) * ysum - yj) / static_cast<double>(n));
          }
        }
      }
      return total / static_cast<double>(n);
    }
  }
  return 0;
}

}  // namespace initlab
