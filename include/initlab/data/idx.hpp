// IDX files (the MNIST family's format), plain or gzip-compressed.
//
// Layout (big-endian): 0x00 0x00, a type byte (0x08 unsigned byte, 0x09 signed
// byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of
// dimensions, then one uint32 per dimension, then the values in C order.
//
// The header is read first and decides everything after it: the values it
// declares are checked against the file's size (plain files) and the memory
// budget before anything is allocated, and a gzip stream is inflated only as
// far as the header's size (one byte more is an error), so a small compressed
// file cannot expand into gigabytes. Float values must be finite and fit float32.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "initlab/core/tensor.hpp"

namespace initlab {

struct IdxArray {
  std::vector<int64_t> dims;
  /// The values, converted to float.
  std::vector<float> values;
};

/// Called with the dimensions as soon as the header is read, before any value
/// is read or memory is spent; it throws to refuse them.
using IdxDimsCheck = std::function<void(const std::vector<int64_t>& dims)>;

/// Decodes IDX bytes (already decompressed). `where` names the source in errors.
IdxArray decode_idx(const std::string& bytes, const std::string& where, const IdxDimsCheck& check_dims = {});

/// Reads an IDX file, plain or gzip-compressed (recognised by its first bytes,
/// whatever its name). Errors name the file, what was expected and what was found.
IdxArray read_idx(const std::string& path, const IdxDimsCheck& check_dims = {});

/// The whole file, gunzipped when it is gzip data; the inflated size is held
/// to the memory budget as it grows.
std::string read_maybe_gzip(const std::string& path);

}  // namespace initlab
