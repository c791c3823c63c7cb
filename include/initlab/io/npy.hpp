// NumPy .npy files (format versions 1.0, 2.0 and 3.0 read; 1.0 written):
// float32, little-endian. https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//
// The reader is strict, as NumPy's own: the header is a dict literal with
// exactly the keys 'descr', 'fortran_order' and 'shape', at most 10000 bytes
// long (NumPy's _MAX_HEADER_SIZE); the dtype must be '<f4'; the shape has at
// most 6 dimensions; the data must be exactly shape's product × 4 bytes, which
// is checked against the file's size and the memory budget before anything is
// allocated; every value must be finite. Fortran-ordered data is transposed
// into C order. Errors name the file and what was found.
#pragma once

#include <string>

#include <string_view>

#include "initlab/core/tensor.hpp"
#include "initlab/io/tensor_set.hpp"

namespace initlab {

/// The bytes of a .npy file holding `t` ('<f4', fortran_order False).
std::string encode_npy(const Tensor& t);
/// Parses .npy bytes; `where` names the source in errors.
Tensor decode_npy(const std::string& bytes, const std::string& where = "npy");

/// Weight-file tensors (.npz members): any numeric dtype NumPy writes (bool,
/// int8–int64, uint8–uint64, float16/32/64) in either byte order and either
/// memory order, kept as stored in little-endian C order (non-finite values
/// included: inspect reports them). The writer uses the tensor's dtype.
std::string encode_npy(const StoredTensor& t);
StoredTensor decode_npy_stored(std::string_view bytes, std::string name, const std::string& where);

/// Writes `t` to `path` atomically.
void save_npy(const std::string& path, const Tensor& t);
/// Reads a .npy file (the data straight into the tensor: no second copy).
Tensor load_npy(const std::string& path);

}  // namespace initlab
