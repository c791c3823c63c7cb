#include "initlab/core/shape.hpp"

#include <fmt/format.h>

#include <limits>

#include "initlab/core/error.hpp"
#include "initlab/core/suggest.hpp"

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

namespace {

// One character of the text for a message: itself, or an escape for a control
// character or a byte outside ASCII.
std::string shown_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string(1, c);
  return fmt::format("\\x{:02x}", u);
}

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_separator(char c) { return c == ',' || c == 'x' || c == 'X'; }

}  // namespace

Shape Shape::parse(const std::string& text, bool allow_zero) {
  // At most ~80 characters of a long text, control characters escaped.
  std::string shown;
  for (char c : text_excerpt(text, 80)) {
    const auto u = static_cast<unsigned char>(c);
    shown += u < 0x20 || u == 0x7F ? shown_char(c) : std::string(1, c);
  }
  const std::string example = "; write sizes separated by commas, e.g. 784,64 or (3, 3, 16, 32)";
  auto fail = [&](size_t at, const std::string& what, const std::string& hint = "") -> ValueError {
    return ValueError(fmt::format("shape '{}': {} at character {}{}", shown, what, at + 1, hint));
  };

  std::vector<int64_t> dims;
  size_t i = 0;
  auto skip_spaces = [&] {
    while (i < text.size() && is_space(text[i])) ++i;
  };
  skip_spaces();
  char open = 0;
  if (i < text.size() && (text[i] == '(' || text[i] == '[')) open = text[i++];
  char last_separator = 0;  // the separator just read, while a size is expected after it
  size_t separator_at = 0;
  bool closed = false;
  while (true) {
    skip_spaces();
    if (i == text.size() || text[i] == ')' || text[i] == ']') {
      // "(7,)" and "784,64," are Python tuples; "3x" and "," are not.
      if (last_separator == 'x' || last_separator == 'X' || (last_separator == ',' && dims.empty())) {
        throw fail(separator_at, fmt::format("a size is missing after '{}'", last_separator));
      }
      if (i < text.size()) {
        const char want = open == '(' ? ')' : ']';
        if (open == 0 || text[i] != want) {
          throw fail(i, open == 0 ? fmt::format("'{}' closes no bracket", text[i])
                                  : fmt::format("'{}' does not close '{}'", text[i], open));
        }
        closed = true;
        ++i;
      }
      break;
    }
    const char c = text[i];
    if (is_separator(c)) {
      throw fail(i, last_separator != 0 || !dims.empty() ? "an empty size (two separators in a row)"
                                                         : fmt::format("'{}' comes before any size", c));
    }
    if (c == '-' || c == '+') {
      if (i + 1 < text.size() && is_digit(text[i + 1])) {
        if (c == '-') throw fail(i, fmt::format("a negative size ({}{})", c, text[i + 1]));
        throw fail(i, "a sign before a size (write 784, not +784)");
      }
      throw fail(i, fmt::format("a lone '{}' where a size was expected", c));
    }
    if (!is_digit(c)) {
      throw fail(i, fmt::format("unexpected '{}'", shown_char(c)), example);
    }
    const size_t start = i;
    int64_t value = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      const int d = text[i] - '0';
      if (value > (std::numeric_limits<int64_t>::max() - d) / 10) {
        throw fail(start, "a size beyond 2^63-1");
      }
      value = value * 10 + d;
    }
    if (value == 0 && !allow_zero) throw fail(start, "a size of 0 (every size must be >= 1)");
    if (dims.size() == static_cast<size_t>(kMaxRank)) {
      throw fail(start, fmt::format("more than {} sizes (initlab's tensors have rank 0 to {})", kMaxRank, kMaxRank));
    }
    dims.push_back(value);
    last_separator = 0;
    const size_t after_number = i;
    skip_spaces();
    if (i == text.size() || text[i] == ')' || text[i] == ']') continue;
    if (is_separator(text[i])) {
      last_separator = text[i];
      separator_at = i++;
      continue;
    }
    if (is_digit(text[i]) && i > after_number) {
      throw fail(after_number, "a space between two sizes", example);
    }
    throw fail(i, fmt::format("unexpected '{}' after a size", shown_char(text[i])), example);
  }
  if (open != 0 && !closed) throw fail(text.size() - 1, fmt::format("'{}' is not closed", open));
  skip_spaces();
  if (i < text.size()) throw fail(i, fmt::format("unexpected '{}' after the shape", shown_char(text[i])));
  int64_t total = 1;
  for (int64_t d : dims) {
    if (d != 0 && total > std::numeric_limits<int64_t>::max() / d) {
      throw ValueError(fmt::format("shape '{}': more elements than a 64-bit count holds", shown));
    }
    total *= d;
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
