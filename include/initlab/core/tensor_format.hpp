// Tensors printed the way NumPy prints arrays: nested brackets, aligned columns.
#pragma once

#include <string>

#include "initlab/core/tensor.hpp"

namespace initlab {

/// e.g. [[ 0.1234 -2.5   ]
///       [ 1.     0.    ]]   with `decimals` digits after the point;
/// continuation lines are indented by `indent` extra spaces.
std::string format_tensor(const Tensor& t, int decimals = 4, int indent = 0);

}  // namespace initlab
