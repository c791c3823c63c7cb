// Tensor: float32, rank 0–6, contiguous, row-major, 64-byte aligned.
//
// A Tensor is a handle to shared storage, like torch.Tensor: copying a Tensor
// or calling reshape() gives another view of the same numbers; clone() makes
// an independent copy; copy_from() copies values into existing storage.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "initlab/core/shape.hpp"

namespace initlab {

class Tensor {
 public:
  static constexpr size_t kAlignment = 64;

  /// A rank-0 tensor holding 0.
  Tensor();
  /// A zero-filled tensor of the given shape.
  explicit Tensor(const Shape& shape);
  Tensor(const Shape& shape, float value);
  /// A tensor holding `values` (row-major); their count must equal shape.numel().
  Tensor(const Shape& shape, std::span<const float> values);
  Tensor(const Shape& shape, std::initializer_list<float> values);

  const Shape& shape() const { return shape_; }
  int rank() const { return shape_.rank(); }
  int64_t size() const { return shape_.numel(); }
  int64_t dim(int i) const { return shape_[i]; }

  float* data() { return data_; }
  const float* data() const { return data_; }
  std::span<float> values() { return {data_, static_cast<size_t>(size())}; }
  std::span<const float> values() const { return {data_, static_cast<size_t>(size())}; }

  /// Flat (row-major) element access, unchecked.
  float& operator[](int64_t i) { return data_[i]; }
  float operator[](int64_t i) const { return data_[i]; }
  /// Multi-index access, bounds-checked; throws ShapeError naming the index and shape.
  float& at(std::initializer_list<int64_t> index);
  float at(std::initializer_list<int64_t> index) const;

  /// A view of the same storage with another shape of equal element count.
  Tensor reshape(const Shape& shape) const;
  /// An independent copy.
  Tensor clone() const;
  /// Sets every element to `value`.
  void fill(float value);
  /// Copies `src`'s values into this tensor's storage; shapes must be equal.
  void copy_from(const Tensor& src);
  /// True when both handles view the same storage.
  bool shares_storage_with(const Tensor& other) const { return storage_ == other.storage_; }
  /// True when no other handle views this storage, so writing it changes
  /// nothing anyone else can see (a layer may then reuse its buffer).
  bool sole_owner() const { return storage_ != nullptr && storage_.use_count() == 1; }

 private:
  int64_t flat_index(std::initializer_list<int64_t> index) const;

  Shape shape_;
  std::shared_ptr<float> storage_;
  float* data_ = nullptr;
};

}  // namespace initlab
