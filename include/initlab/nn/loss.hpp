// Losses, as Keras computes them: the mean over the batch of a per-sample loss
// (itself a mean over the last axis for the element-wise losses).
//
//   mean_squared_error          mean((p − y)²)
//   binary_crossentropy         −mean(y·log p + (1 − y)·log(1 − p)),  p clipped to [1e-7, 1 − 1e-7]
//   categorical_crossentropy    −Σ y·log p,  p normalized to sum 1 and clipped
//   sparse_categorical_crossentropy   the same with integer labels (N,) or (N, 1)
//
// from_logits: the predictions are logits; the loss uses log-sum-exp (softmax)
// or max(z, 0) − z·y + log(1 + e^−|z|) (sigmoid), never overflowing. A model
// whose last layer is sigmoid or softmax uses these fused forms automatically,
// as Keras does.
#pragma once

#include <string>

#include "initlab/core/tensor.hpp"

namespace initlab {

class Loss {
 public:
  enum class Kind { kMeanSquaredError, kBinaryCrossentropy, kCategoricalCrossentropy, kSparseCategoricalCrossentropy };

  /// By Keras name or alias: mean_squared_error (mse), binary_crossentropy,
  /// categorical_crossentropy, sparse_categorical_crossentropy.
  Loss(const std::string& name, bool from_logits = false);  // NOLINT(google-explicit-constructor)
  Loss(const char* name) : Loss(std::string(name)) {}        // NOLINT
  Loss(Kind kind, bool from_logits) : kind_(kind), from_logits_(from_logits) {}

  Kind kind() const { return kind_; }
  bool from_logits() const { return from_logits_; }
  std::string name() const;

  /// Throws ValueError/ShapeError when target does not fit pred (shape, label range, NaN).
  void check_targets(const Shape& pred_shape, const Tensor& target, const char* what = "y") const;

  /// Mean loss; if grad is non-null it receives dL/dpred (pred are logits when from_logits()).
  double compute(const Tensor& pred, const Tensor& target, Tensor* grad) const;
  /// Loss and dL/dz for logits z of a sigmoid (binary) or softmax (categorical) output.
  double compute_from_logits(const Tensor& z, const Tensor& target, Tensor* dz) const;

 private:
  Kind kind_ = Kind::kMeanSquaredError;
  bool from_logits_ = false;
};

}  // namespace initlab
