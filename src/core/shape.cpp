#include "initlab/core/shape.hpp"

#include <fmt/format.h>

#include <cctype>
#include <limits>

#include "initlab/core/error.hpp"

namespace initlab {

Shape::Shape(std::initializer_list<int64_t> dims)
    : Shape(std::span<const int64_t>(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const int64_t> dims) {
  if (dims.size() > static_cast<size_t>(kMaxRank)) {
    throw ShapeError(fmt::format("shape: rank {} is not supported (expected rank 0 to {})",
                                 dims.size(), kMaxRank));
  }
  rank_ = static_cast<int>(dims.size());
  int64_t total = 1;
  for (int i = 0; i < rank_; ++i) {
    if (dims[i] < 0) {
      throw ShapeError(fmt::format("shape: dimension {} is {} (expected >= 0)", i, dims[i]));
    }
    dims_[i] = dims[i];
    if (dims[i] != 0 && total > std::numeric_limits<int64_t>::max() / dims[i]) {
      throw ShapeError(fmt::format("shape: {} has more elements than fit in 64 bits", str()));
    }
    total *= dims[i];
  }
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[i];
  return n;
}

int64_t Shape::operator[](int i) const {
  const int j = i < 0 ? i + rank_ : i;
  if (j < 0 || j >= rank_) {
    throw ShapeError(fmt::format("shape {}: no dimension {} (rank {})", str(), i, rank_));
  }
  return dims_[j];
}

std::string Shape::str() const {
  std::string s = "(";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[i]);
  }
  if (rank_ == 1) s += ",";
  return s + ")";
}

Shape Shape::parse(const std::string& text) {
  std::vector<int64_t> dims;
  std::string digits;
  auto flush = [&](size_t pos) {
    if (digits.empty()) {
      throw ValueError(fmt::format("shape '{}': expected a number at position {}", text, pos));
    }
    dims.push_back(std::stoll(digits));
    digits.clear();
  };
  bool any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits += c;
      any = true;
      if (digits.size() > 15) throw ValueError(fmt::format("shape '{}': dimension too large", text));
    } else if (c == ',' || c == 'x' || c == 'X') {
      flush(i);
    } else if (c == '(' || c == ')' || c == '[' || c == ']' || std::isspace(static_cast<unsigned char>(c))) {
      // decoration
    } else {
      throw ValueError(fmt::format(
          "shape '{}': unexpected '{}' at position {} (expected comma-separated sizes, e.g. 784,64)",
          text, c, i));
    }
  }
  if (!digits.empty()) {
    flush(text.size());
  } else if (any) {
    // trailing comma as in "(7,)" is fine
  }
  return Shape(dims);
}

bool operator==(const Shape& a, const Shape& b) {
  if (a.rank_ != b.rank_) return false;
  for (int i = 0; i < a.rank_; ++i) {
    if (a.dims_[i] != b.dims_[i]) return false;
  }
  return true;
}

}  // namespace initlab
