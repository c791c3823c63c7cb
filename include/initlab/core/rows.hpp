// Selecting samples (rows along the first axis) of a tensor.
#pragma once

#include <cstdint>

#include "initlab/core/tensor.hpp"

namespace initlab {

/// out = rows idx[0..count) of t, in that order. `out` is reused when its first
/// dimension is already `count` (and otherwise replaced). Rows are copied in parallel.
void gather_rows(const Tensor& t, const int64_t* idx, int64_t count, Tensor& out);
/// Rows [lo, hi) of t, as a new tensor.
Tensor slice_rows(const Tensor& t, int64_t lo, int64_t hi);

}  // namespace initlab
