// safetensors files (huggingface/safetensors; formats.md §3):
//
//   u64 little-endian N | N bytes of JSON header | byte buffer
//   header: {"__metadata__": {"format": "pt"},
//            "0.bias": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}, ...}
//
// The writer does what the reference writer does (`prepare`, `serialize`):
// tensors sorted by dtype, largest alignment first, then by name; offsets
// contiguous from 0; a compact header with `__metadata__` first and each
// tensor's keys in the order dtype, shape, data_offsets; the header padded
// with spaces to a multiple of 8 bytes, so every tensor starts aligned to its
// element size.
//
// The reader enforces every rule of the reference reader (`read_metadata`,
// `Metadata::validate`), in its order, and names the rule it applies
// (HeaderTooSmall, HeaderTooLarge, InvalidHeaderLength, InvalidHeader,
// InvalidHeaderDeserialization, InvalidOffset, ValidationOverflow,
// MisalignedSlice, TensorInvalidInfo, MetadataIncompleteBuffer), plus three it
// leaves to serde: a key that appears twice, a `__metadata__` value that is
// not a string, and a header nested deeper than JSON readers allow. Sizes are
// computed with overflow checks; the tensors' data is copied only after the
// whole layout has been validated and checked against the memory budget.
// Tensors come back in the order of their data (their offsets); dtypes the
// reference knows and initlab does not hold (F4, F6_*, F8_*, C64) are refused
// with the tensor's name.
#pragma once

#include <string>

#include "initlab/io/tensor_set.hpp"

namespace initlab {

/// The largest header either side accepts (the reference's MAX_HEADER_SIZE).
inline constexpr uint64_t kSafetensorsMaxHeader = 100'000'000;

/// The safetensors name of a dtype: "F32", "BF16", "BOOL", "I64".
std::string safetensors_dtype_name(DType t);

/// The bytes of a safetensors file holding `set` (its metadata as
/// `__metadata__` when not empty). ValueError when a tensor's bytes do not
/// match its shape and dtype, or a name or metadata text is not UTF-8.
std::string encode_safetensors(const TensorSet& set);
/// Parses safetensors bytes; `where` names the source in errors (FormatError).
TensorSet decode_safetensors(std::string bytes, const std::string& where);

/// Writes `set` to `path` atomically.
void save_safetensors(const std::string& path, const TensorSet& set);
/// Reads a safetensors file (its size checked against the memory budget first).
TensorSet load_safetensors(const std::string& path);

}  // namespace initlab
