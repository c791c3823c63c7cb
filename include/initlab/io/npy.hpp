// NumPy .npy files (format version 1.0): float32, little-endian, C order.
// https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
#pragma once

#include <string>

#include "initlab/core/tensor.hpp"

namespace initlab {

/// The bytes of a .npy file holding `t` ('<f4', fortran_order False).
std::string encode_npy(const Tensor& t);
/// Parses .npy bytes; accepts '<f4' C-order arrays of rank <= 6. `where` names
/// the source in errors.
Tensor decode_npy(const std::string& bytes, const std::string& where = "npy");

/// Writes `t` to `path` atomically.
void save_npy(const std::string& path, const Tensor& t);
Tensor load_npy(const std::string& path);

}  // namespace initlab
