// IDX files (the MNIST family's format), plain or gzip-compressed.
//
// Layout (big-endian): 0x00 0x00, a type byte (0x08 unsigned byte, 0x09 signed
// byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of
// dimensions, then one uint32 per dimension, then the values in C order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "initlab/core/tensor.hpp"

namespace initlab {

struct IdxArray {
  std::vector<int64_t> dims;
  /// The values, converted to float.
  std::vector<float> values;
};

/// Decodes IDX bytes (already decompressed). `where` names the source in errors.
IdxArray decode_idx(const std::string& bytes, const std::string& where);

/// Reads an IDX file; a name ending in .gz is decompressed with zlib. Errors
/// name the file, what was expected and what was found.
IdxArray read_idx(const std::string& path);

/// The whole file, gunzipped when its name ends in .gz.
std::string read_maybe_gzip(const std::string& path);

}  // namespace initlab
