// TensorSet: the neutral form of a weight file. Every reader (safetensors,
// .npz, .weights.h5, legacy .h5, checkpoints) produces one and every writer
// takes one, so formats convert into each other through it and `inspect` and
// `diff` read any of them the same way.
//
// A StoredTensor keeps the file's dtype and its bytes exactly (little-endian,
// C order), so integers (an optimizer's iteration, BatchNorm's
// num_batches_tracked) and float64 or float16 weights survive a round trip;
// to_float32() gives the values a model uses.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "initlab/core/shape.hpp"
#include "initlab/core/tensor.hpp"

namespace initlab {

/// Element types found in weight files (safetensors' and NumPy's common set).
enum class DType : uint8_t { kBool, kU8, kI8, kI16, kU16, kF16, kBF16, kI32, kU32, kF32, kF64, kI64, kU64 };

/// Bytes per element.
size_t dtype_size(DType t);
/// NumPy's name: "float32", "int64", "bfloat16", "bool".
std::string dtype_name(DType t);
/// From NumPy's name ("float32"); false when unknown.
bool dtype_from_name(std::string_view name, DType& out);
bool dtype_is_float(DType t);

struct StoredTensor {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;        ///< rank 0 is a scalar (one element)
  std::string bytes;  ///< numel × dtype_size bytes, little-endian, C order

  int64_t numel() const { return shape.numel(); }
  /// The values as float32 (float64 rounded to nearest, integers converted,
  /// float16 and bfloat16 widened exactly). Checks the memory budget first.
  Tensor to_float32() const;
  /// A float32 tensor's bytes under `name`.
  static StoredTensor from_tensor(std::string name, const Tensor& t);
  /// A scalar int64 (an iteration count).
  static StoredTensor scalar_i64(std::string name, int64_t value);
  /// The value of a scalar (or one-element) integer or float tensor, as int64;
  /// ValueError naming the tensor otherwise.
  int64_t as_int64() const;
};

/// The tensors of a file in file order, with the file's string metadata
/// (safetensors' __metadata__, a checkpoint's header fields).
class TensorSet {
 public:
  /// Adds a tensor; a name already present is a FormatError naming it and `where`.
  void add(StoredTensor t, const std::string& where = "tensor set");
  const std::vector<StoredTensor>& tensors() const { return tensors_; }
  std::vector<StoredTensor>& mutable_tensors() { return tensors_; }
  size_t size() const { return tensors_.size(); }
  bool empty() const { return tensors_.empty(); }
  /// nullptr when absent.
  const StoredTensor* find(std::string_view name) const;
  /// Sum of the tensors' bytes.
  uint64_t total_bytes() const;

  std::map<std::string, std::string> metadata;

 private:
  std::vector<StoredTensor> tensors_;
  std::map<std::string, size_t, std::less<>> index_;
};

}  // namespace initlab
