#include "initlab/nn/metric.hpp"

#include <fmt/format.h>

#include "initlab/core/error.hpp"

namespace initlab {

Metric::Metric(const std::string& name, const Loss& loss) : name_(name) {
  if (name == "accuracy" || name == "acc") {
    name_ = "accuracy";
    switch (loss.kind()) {
      case Loss::Kind::kBinaryCrossentropy:
      case Loss::Kind::kMeanSquaredError:
        kind_ = Kind::kBinaryAccuracy;
        break;
      case Loss::Kind::kCategoricalCrossentropy:
        kind_ = Kind::kCategoricalAccuracy;
        break;
      case Loss::Kind::kSparseCategoricalCrossentropy:
        kind_ = Kind::kSparseCategoricalAccuracy;
        break;
    }
  } else if (name == "binary_accuracy") {
    kind_ = Kind::kBinaryAccuracy;
  } else if (name == "categorical_accuracy") {
    kind_ = Kind::kCategoricalAccuracy;
  } else if (name == "sparse_categorical_accuracy") {
    kind_ = Kind::kSparseCategoricalAccuracy;
  } else {
    throw ConfigError(fmt::format("unknown metric '{}' (expected accuracy, binary_accuracy, categorical_accuracy or "
                                  "sparse_categorical_accuracy)",
                                  name));
  }
}

int64_t Metric::count(const Tensor& pred) const {
  if (kind_ == Kind::kBinaryAccuracy) return pred.size();
  return pred.size() / pred.dim(-1);
}

double Metric::correct(const Tensor& pred, const Tensor& target) const {
  const float* p = pred.data();
  const float* y = target.data();
  double c = 0;
  if (kind_ == Kind::kBinaryAccuracy) {
    for (int64_t i = 0; i < pred.size(); ++i) c += (p[i] > 0.5f) == (y[i] > 0.5f);
    return c;
  }
  const int64_t f = pred.dim(-1), n = pred.size() / f;
  for (int64_t r = 0; r < n; ++r) {
    int64_t best = 0;
    for (int64_t j = 1; j < f; ++j) {
      if (p[r * f + j] > p[r * f + best]) best = j;
    }
    int64_t truth = 0;
    if (kind_ == Kind::kSparseCategoricalAccuracy) {
      truth = static_cast<int64_t>(y[r]);
    } else {
      for (int64_t j = 1; j < f; ++j) {
        if (y[r * f + j] > y[r * f + truth]) truth = j;
      }
    }
    c += best == truth;
  }
  return c;
}

}  // namespace initlab
