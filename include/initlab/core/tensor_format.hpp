// Tensors printed the way NumPy prints arrays: nested brackets, aligned columns.
#pragma once

#include <iosfwd>
#include <string>

#include "initlab/core/tensor.hpp"

namespace initlab {

/// Past this many values a tensor is summarised as NumPy summarises it: the
/// first and last kTensorSummaryEdge entries of every longer axis, "..." between.
inline constexpr int64_t kTensorSummaryThreshold = 1000;
inline constexpr int64_t kTensorSummaryEdge = 3;

/// e.g. [[ 0.1234 -2.5000]
///       [ 1.0000  0.0000]]   with `decimals` digits after the point;
/// continuation lines are indented by `indent` extra spaces; blocks of rank 3
/// and more are separated by blank lines, as NumPy prints them.
std::string format_tensor(const Tensor& t, int decimals = 4, int indent = 0);

/// std::cout << tensor: format_tensor with its defaults.
std::ostream& operator<<(std::ostream& out, const Tensor& t);

}  // namespace initlab
