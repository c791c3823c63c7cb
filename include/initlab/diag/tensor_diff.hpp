// What changed between two weight files, tensor by tensor, matched by name:
//
//   unchanged      bit-identical values (the file's bytes when given, else the float32 values)
//   changed        relative L2 change ‖B − A‖₂ / ‖A‖₂, the largest |B − A| and how many values differ
//   shape changed, dtype changed, only in A, only in B
//
// and one summary line ("3 of 4 tensors changed"). Sums are accumulated in double.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "initlab/core/shape.hpp"
#include "initlab/core/tensor.hpp"

namespace initlab {

/// One tensor of a file, as the caller read it.
struct DiffTensor {
  std::string name;
  Tensor values;                  ///< as float32
  std::string dtype = "float32";  ///< the file's dtype name
  std::string bytes;              ///< the file's bytes of the values, when the caller has them (exact comparison)
};

enum class DiffKind { kUnchanged, kChanged, kShapeChanged, kDtypeChanged, kOnlyInA, kOnlyInB };
/// "unchanged", "changed", "shape changed", "dtype changed", "only in A", "only in B".
std::string to_string(DiffKind kind);

struct TensorDiffEntry {
  std::string name;
  DiffKind kind = DiffKind::kUnchanged;
  Shape shape_a, shape_b;
  std::string dtype_a, dtype_b;
  double norm_a = 0;         ///< ‖A‖₂
  double relative_l2 = 0;    ///< ‖B − A‖₂ / ‖A‖₂ (NaN when ‖A‖₂ = 0 and B differs)
  double max_abs = 0;        ///< max |B − A| (NaN when a NaN is involved)
  int64_t changed_values = 0;
  /// "dense/kernel: changed, relative L2 0.031, max |Δ| 0.012 (4096 of 4096 values)"
  std::string str() const;
};

struct TensorDiffReport {
  std::vector<TensorDiffEntry> entries;  ///< A's order, then B's tensors that A lacks
  int64_t count(DiffKind kind) const;
  /// Tensors that are not unchanged.
  int64_t differing() const;
  /// "3 of 4 tensors changed (2 values changed, 1 only in B); 1 unchanged", "all 4 tensors unchanged".
  std::string summary() const;
  bool identical() const { return differing() == 0; }
};

/// A against B. Names must be unique within each side (ValueError naming the duplicate otherwise).
TensorDiffReport diff_tensors(const std::vector<DiffTensor>& a, const std::vector<DiffTensor>& b);

}  // namespace initlab
