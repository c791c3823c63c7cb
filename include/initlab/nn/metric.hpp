// Metrics reported by fit and evaluate.
#pragma once

#include <string>

#include "initlab/core/tensor.hpp"
#include "initlab/nn/loss.hpp"

namespace initlab {

class Metric {
 public:
  enum class Kind { kBinaryAccuracy, kCategoricalAccuracy, kSparseCategoricalAccuracy };
  /// "accuracy" (chosen from the loss, as Keras), "binary_accuracy" (threshold
  /// 0.5), "categorical_accuracy", "sparse_categorical_accuracy".
  Metric(const std::string& name, const Loss& loss);
  /// The name in logs and History: "accuracy" stays "accuracy".
  const std::string& name() const { return name_; }
  Kind kind() const { return kind_; }
  /// Number of correct predictions in the batch (binary: per element).
  double correct(const Tensor& pred, const Tensor& target) const;
  /// Denominator for the batch: samples (categorical) or elements (binary).
  int64_t count(const Tensor& pred) const;

 private:
  std::string name_;
  Kind kind_;
};

}  // namespace initlab
