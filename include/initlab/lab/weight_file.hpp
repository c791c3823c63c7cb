// The tensors of a weight file for inspect, diff and the restore demo, and their conversion to
// what diag's forensics and diff take (diag never reads files).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "initlab/diag/tensor_diff.hpp"
#include "initlab/diag/weight_forensics.hpp"
#include "initlab/io/tensor_set.hpp"

namespace initlab {

/// A file's tensors as stored: any weight or model file read_weight_tensors
/// reads (.weights.h5, .h5, .keras, .safetensors, .npz, checkpoints), or a
/// single .npy (its tensor named after the file's stem).
TensorSet read_weight_file(const std::string& path);

/// Every tensor as float32 with its dtype name, on `layout` (or the one its
/// names imply: PyTorch's for "0.weight", "*.running_mean", …).
std::vector<ForensicTensor> forensic_tensors(const TensorSet& set, std::optional<WeightLayout> layout = std::nullopt);

/// Every tensor as float32, with the file's bytes for exact comparison.
std::vector<DiffTensor> diff_tensors_of(const TensorSet& set);

/// Integer values of metadata fields whose key mentions a seed ("seed",
/// "global_seed"): the seeds the forensics search tries first.
std::vector<uint64_t> metadata_seeds(const TensorSet& set);

}  // namespace initlab
