#include "initlab/core/tensor_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <vector>

namespace initlab {
namespace {

// The indices shown along an axis of length n: all, or (summarised) the first
// and last kEdge with -1 marking the "..." between them.
std::vector<int64_t> shown_indices(int64_t n, bool summarise) {
  std::vector<int64_t> v;
  if (summarise && n > 2 * kTensorSummaryEdge) {
    for (int64_t i = 0; i < kTensorSummaryEdge; ++i) v.push_back(i);
    v.push_back(-1);
    for (int64_t i = n - kTensorSummaryEdge; i < n; ++i) v.push_back(i);
  } else {
    for (int64_t i = 0; i < n; ++i) v.push_back(i);
  }
  return v;
}

struct Printer {
  const Tensor& t;
  bool summarise;
  int decimals;
  int indent;
  size_t width = 0;

  std::string cell(int64_t flat) const { return fmt::format("{:.{}f}", t.data()[flat], decimals); }

  // The widest cell among those shown.
  void measure(int axis, int64_t offset) {
    for (int64_t i : shown_indices(t.dim(axis), summarise)) {
      if (i < 0) continue;
      const int64_t at = offset + i * inner_size(axis);
      if (axis == t.rank() - 1) {
        width = std::max(width, cell(at).size());
      } else {
        measure(axis + 1, at);
      }
    }
  }
  int64_t inner_size(int axis) const {
    int64_t s = 1;
    for (int a = axis + 1; a < t.rank(); ++a) s *= t.dim(a);
    return s;
  }

  void emit(int axis, int64_t offset, std::string& out) const {
    out += "[";
    bool first = true;
    for (int64_t i : shown_indices(t.dim(axis), summarise)) {
      if (axis == t.rank() - 1) {
        if (!first) out += " ";
        if (i < 0) {
          out += "...";
        } else {
          const std::string c = cell(offset + i);
          out += std::string(width - c.size(), ' ') + c;
        }
      } else {
        if (!first) {
          // NumPy leaves a blank line between blocks of rank >= 3.
          out += std::string(static_cast<size_t>(std::max(1, t.rank() - axis - 1)), '\n');
          out += std::string(static_cast<size_t>(indent + axis + 1), ' ');
        }
        if (i < 0) {
          out += "...";
        } else {
          emit(axis + 1, offset + i * inner_size(axis), out);
        }
      }
      first = false;
    }
    out += "]";
  }
};

}  // namespace

std::string format_tensor(const Tensor& t, int decimals, int indent) {
  if (t.rank() == 0) return fmt::format("{:.{}f}", t.data()[0], decimals);
  if (t.size() == 0) return "[]";
  Printer p{t, t.size() > kTensorSummaryThreshold, decimals, indent};
  p.measure(0, 0);
  std::string out;
  p.emit(0, 0, out);
  return out;
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << format_tensor(t); }

}  // namespace initlab
