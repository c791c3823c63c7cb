// Shape: the dimensions of a tensor, rank 0 to 6.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace initlab {

class Shape {
 public:
  static constexpr int kMaxRank = 6;

  /// Rank-0 shape (a scalar, one element).
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(std::span<const int64_t> dims);
  explicit Shape(const std::vector<int64_t>& dims) : Shape(std::span<const int64_t>(dims)) {}

  int rank() const { return rank_; }
  /// Number of elements: the product of the dimensions (1 for rank 0).
  int64_t numel() const;
  /// Dimension i; negative i counts from the end (-1 is the last).
  int64_t operator[](int i) const;
  std::span<const int64_t> dims() const { return {dims_.data(), static_cast<size_t>(rank_)}; }

  /// "(784, 64)", "(7,)", "()" — Python's tuple notation, as Keras prints shapes.
  std::string str() const;

  /// Parses a shape as people write it: "784,64", "(784, 64)", "[784, 64]",
  /// "3x3x16x32", "(7,)", or "" and "()" for a scalar. Sizes are decimal whole
  /// numbers >= 1 (>= 0 with `allow_zero`); spaces may surround sizes and
  /// separators but never separate two sizes: "784 64" is an error, never
  /// 78464. Throws ValueError quoting (an excerpt of) the text with the
  /// character where it went wrong: an empty size ("784,,64"), a sign, a
  /// number beyond int64, more than kMaxRank sizes, more elements than int64
  /// counts, an unmatched bracket.
  static Shape parse(const std::string& text, bool allow_zero = false);

  friend bool operator==(const Shape& a, const Shape& b);

 private:
  std::array<int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

}  // namespace initlab
