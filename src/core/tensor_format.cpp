#include "initlab/core/tensor_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace initlab {
namespace {

void emit(const Tensor& t, int axis, int64_t offset, int64_t stride, const std::vector<std::string>& cells,
          size_t width, int indent, std::string& out) {
  const int64_t n = t.dim(axis);
  out += "[";
  const int64_t inner = stride / std::max<int64_t>(1, n);
  for (int64_t i = 0; i < n; ++i) {
    if (axis == t.rank() - 1) {
      if (i) out += " ";
      const std::string& c = cells[static_cast<size_t>(offset + i)];
      out += std::string(width - c.size(), ' ') + c;
    } else {
      if (i) out += "\n" + std::string(static_cast<size_t>(indent + axis + 1), ' ');
      emit(t, axis + 1, offset + i * inner, inner, cells, width, indent, out);
    }
  }
  out += "]";
}

}  // namespace

std::string format_tensor(const Tensor& t, int decimals, int indent) {
  std::vector<std::string> cells;
  size_t width = 0;
  for (float v : t.values()) {
    cells.push_back(fmt::format("{:.{}f}", v, decimals));
    width = std::max(width, cells.back().size());
  }
  if (t.rank() == 0) return cells[0];
  std::string out;
  emit(t, 0, 0, t.size(), cells, width, indent, out);
  return out;
}

}  // namespace initlab
