// Pooling on NHWC images: MaxPooling2D, AveragePooling2D (pool_size, strides
// defaulting to pool_size, padding valid/same as Conv2D; 'same' averages only
// the in-bounds values, as Keras), and GlobalAveragePooling2D.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "initlab/nn/layer.hpp"

namespace initlab {

/// Pooling strides: {sh, sw}, or none given (then equal to pool_size, as Keras).
struct PoolStrides {
  PoolStrides() = default;
  PoolStrides(int64_t sh, int64_t sw) : value(std::array<int64_t, 2>{sh, sw}) {}     // NOLINT: {2, 2}
  PoolStrides(std::array<int64_t, 2> s) : value(s) {}                                // NOLINT
  std::optional<std::array<int64_t, 2>> value;
};

struct PoolingOptions {
  PoolStrides strides{};  ///< none: equal to pool_size
  std::string padding = "valid";
  std::string name{};
};

class Pooling2D : public Layer {
 public:
  /// pool_size and strides >= 1 on every axis, padding valid or same; the pool
  /// must fit the input with valid padding, and be at most twice the input
  /// with same padding (checked by output_shape).
  Pooling2D(bool max, std::array<int64_t, 2> pool_size, PoolingOptions options);
  std::string class_name() const override { return max_ ? "MaxPooling2D" : "AveragePooling2D"; }
  std::string default_name() const override { return max_ ? "max_pooling2d" : "average_pooling2d"; }
  Shape output_shape(const Shape& input_shape) const override;
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;
  std::array<int64_t, 2> pool_size() const { return pool_; }
  std::array<int64_t, 2> strides() const { return strides_; }
  const std::string& padding() const { return padding_; }

 private:
  struct Window {
    int64_t h, w, c, oh, ow, pad_top, pad_left;
  };
  Window window(const Shape& s) const;

  bool max_;
  std::array<int64_t, 2> pool_, strides_;
  std::string padding_;
  // max: for each output element, the window position py·pool_w + px of its maximum
  std::vector<int32_t> argmax_;
  Tensor y_, dx_;  // output and input-gradient buffers, reused when no one else holds them
  int64_t batch_ = 0;
};

/// MaxPooling2D({2, 2})
class MaxPooling2D : public Pooling2D {
 public:
  explicit MaxPooling2D(std::array<int64_t, 2> pool_size = {2, 2}, PoolingOptions options = {})
      : Pooling2D(true, pool_size, std::move(options)) {}
};

class AveragePooling2D : public Pooling2D {
 public:
  explicit AveragePooling2D(std::array<int64_t, 2> pool_size = {2, 2}, PoolingOptions options = {})
      : Pooling2D(false, pool_size, std::move(options)) {}
};

/// (N, H, W, C) → (N, C): the mean over height and width.
class GlobalAveragePooling2D : public Layer {
 public:
  explicit GlobalAveragePooling2D(std::string name = "") : Layer(std::move(name)) {}
  std::string class_name() const override { return "GlobalAveragePooling2D"; }
  std::string default_name() const override { return "global_average_pooling2d"; }
  Shape output_shape(const Shape& input_shape) const override;
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 private:
  int64_t batch_ = 0;
};

/// (N, ...) → (N, ∏...).
class Flatten : public Layer {
 public:
  explicit Flatten(std::string name = "") : Layer(std::move(name)) {}
  std::string class_name() const override { return "Flatten"; }
  std::string default_name() const override { return "flatten"; }
  Shape output_shape(const Shape& input_shape) const override;
  Tensor forward(const Tensor& x, bool training) override;
  Tensor backward(const Tensor& dy) override;

 private:
  Shape x_shape_;
};

}  // namespace initlab
