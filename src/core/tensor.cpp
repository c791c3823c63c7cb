#include "initlab/core/tensor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "initlab/core/error.hpp"
#include "initlab/core/memory_budget.hpp"

namespace initlab {
namespace {

std::shared_ptr<float> allocate(const Shape& shape) {
  const int64_t count = shape.numel();
  const uint64_t wanted = bytes_of(static_cast<uint64_t>(count), sizeof(float));
  if (!fits_in_memory(wanted)) require_memory(wanted, fmt::format("a tensor of shape {}", shape.str()));
  // Round up to whole cache lines; allocate at least one line so data() is never null.
  const size_t bytes = std::max<size_t>(
      Tensor::kAlignment,
      (static_cast<size_t>(count) * sizeof(float) + Tensor::kAlignment - 1) / Tensor::kAlignment *
          Tensor::kAlignment);
  void* p = std::aligned_alloc(Tensor::kAlignment, bytes);
  if (p == nullptr) {
    throw ResourceError(fmt::format("a tensor of shape {} needs {}; the system refused to allocate it", shape.str(),
                                    format_bytes(wanted)));
  }
  std::memset(p, 0, bytes);
  return std::shared_ptr<float>(static_cast<float*>(p), [](float* q) { std::free(q); });
}

}  // namespace

Tensor::Tensor() : Tensor(Shape{}) {}

Tensor::Tensor(const Shape& shape) : shape_(shape), storage_(allocate(shape)) {
  data_ = storage_.get();
}

Tensor::Tensor(const Shape& shape, float value) : Tensor(shape) { fill(value); }

Tensor::Tensor(const Shape& shape, std::span<const float> values) : Tensor(shape) {
  if (static_cast<int64_t>(values.size()) != shape.numel()) {
    throw ShapeError(fmt::format("tensor: shape {} needs {} values, got {}", shape.str(),
                                 shape.numel(), values.size()));
  }
  std::copy(values.begin(), values.end(), data_);
}

Tensor::Tensor(const Shape& shape, std::initializer_list<float> values)
    : Tensor(shape, std::span<const float>(values.begin(), values.size())) {}

int64_t Tensor::flat_index(std::initializer_list<int64_t> index) const {
  if (static_cast<int>(index.size()) != rank()) {
    throw ShapeError(fmt::format("tensor {}: index with {} coordinates, expected {}", shape_.str(),
                                 index.size(), rank()));
  }
  int64_t flat = 0;
  int axis = 0;
  for (int64_t i : index) {
    const int64_t n = shape_[axis];
    if (i < 0 || i >= n) {
      throw ShapeError(fmt::format("tensor {}: index {} out of range for axis {} (size {})",
                                   shape_.str(), i, axis, n));
    }
    flat = flat * n + i;
    ++axis;
  }
  return flat;
}

float& Tensor::at(std::initializer_list<int64_t> index) { return data_[flat_index(index)]; }
float Tensor::at(std::initializer_list<int64_t> index) const { return data_[flat_index(index)]; }

Tensor Tensor::reshape(const Shape& shape) const {
  if (shape.numel() != size()) {
    throw ShapeError(fmt::format("reshape: cannot view {} ({} elements) as {} ({} elements)",
                                 shape_.str(), size(), shape.str(), shape.numel()));
  }
  Tensor view = *this;
  view.shape_ = shape;
  return view;
}

Tensor Tensor::clone() const {
  Tensor copy(shape_);
  std::copy(data_, data_ + size(), copy.data_);
  return copy;
}

void Tensor::fill(float value) { std::fill(data_, data_ + size(), value); }

void Tensor::copy_from(const Tensor& src) {
  if (!(src.shape() == shape_)) {
    throw ShapeError(fmt::format("copy_from: destination has shape {}, source has shape {}",
                                 shape_.str(), src.shape().str()));
  }
  if (src.data_ != data_) std::copy(src.data_, src.data_ + size(), data_);
}

}  // namespace initlab
