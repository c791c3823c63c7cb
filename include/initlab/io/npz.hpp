// NumPy .npz files (formats.md §4.2): a zip archive with one .npy member per
// array, "<key>.npy" (np.savez stores them, np.savez_compressed deflates
// them; both are read). Keys may hold '/' ("layers/dense/vars/0"); the order
// of the archive is the order of the set. Each member is a weight-file
// tensor (io/npy.hpp's StoredTensor form: any numeric dtype, kept as stored).
#pragma once

#include <string>

#include "initlab/io/tensor_set.hpp"

namespace initlab {

/// The archive's bytes: members stored as np.savez writes them, or deflated
/// as np.savez_compressed does.
std::string encode_npz(const TensorSet& set, bool compress = false);
/// The arrays of an .npz archive; `where` names it in errors. FormatError
/// naming the member for one that is not a .npy file or not a valid one.
TensorSet decode_npz(std::string bytes, const std::string& where);

/// Writes atomically.
void save_npz(const std::string& path, const TensorSet& set, bool compress = false);
TensorSet load_npz(const std::string& path);

}  // namespace initlab
