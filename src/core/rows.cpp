#include "initlab/core/rows.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "initlab/core/error.hpp"
#include "initlab/core/parallel.hpp"

namespace initlab {
namespace {

Shape with_rows(const Tensor& t, int64_t rows) {
  std::vector<int64_t> dims(t.shape().dims().begin(), t.shape().dims().end());
  dims[0] = rows;
  return Shape(dims);
}

}  // namespace

void gather_rows(const Tensor& t, const int64_t* idx, int64_t count, Tensor& out) {
  if (t.rank() < 1) throw ShapeError(fmt::format("gather_rows: expected a tensor with a first axis, got {}", t.shape().str()));
  const int64_t n = t.dim(0), row = n ? t.size() / n : 0;
  if (!(out.shape() == with_rows(t, count))) out = Tensor(with_rows(t, count));
  const float* src = t.data();
  float* dst = out.data();
  parallel_for(0, count, std::max<int64_t>(1, 16384 / std::max<int64_t>(row, 1)), [&](int64_t a, int64_t b) {
    for (int64_t i = a; i < b; ++i) {
      const int64_t from = idx[i];
      if (from < 0 || from >= n) {
        throw ShapeError(fmt::format("gather_rows: row {} out of range for {}", from, t.shape().str()));
      }
      std::copy(src + from * row, src + (from + 1) * row, dst + i * row);
    }
  });
}

Tensor slice_rows(const Tensor& t, int64_t lo, int64_t hi) {
  if (t.rank() < 1 || lo < 0 || hi < lo || hi > t.dim(0)) {
    throw ShapeError(fmt::format("slice_rows: rows [{}, {}) out of range for {}", lo, hi, t.shape().str()));
  }
  const int64_t row = t.dim(0) ? t.size() / t.dim(0) : 0;
  Tensor out(with_rows(t, hi - lo));
  std::copy(t.data() + lo * row, t.data() + hi * row, out.data());
  return out;
}

}  // namespace initlab
