// Weight forensics: what a weight file really holds. "Are these the weights I
// meant to load, or fresh random ones?"
//
// Per tensor: shape, dtype, mean, std, min, max and the counts of NaN, Inf,
// float32 denormals and exact zeros (accumulated in double); units (output
// columns) and inputs (rows) that are bit-for-bit identical, which no random
// initializer produces and which keep units symmetric for ever; and which
// initializer the values are consistent with, given the tensor's fans
// (init/fans.hpp, on the Keras layout) and each initializer's exact
// distribution (Initializer::theory):
//
//   uniform families      every value within the bound, and a KS test against U[−b, b)
//   normal families       a KS test against N(0, σ²), or the truncated normal
//                         exactly as initlab draws it (cut at ±2σ, σ = target/0.8796)
//   orthogonal            max |WᵀW/g² − I| (or WWᵀ when wide) within float32 rounding
//   zeros, ones, constant every value equal
//
// A family is consistent when its test's p-value is at least `alpha`
// (1e-6 by default: with thousands of values a trained kernel is far below it,
// while a fresh one is rejected by each test with probability alpha only).
//
// When the values are bit-identical to an initlab initializer, the seed and
// the variable name that produced them are found by replaying the fill: for
// every consistent random family, every seed of ForensicsOptions::seeds() and
// every plausible name (the tensor's own, the name its layer and short name
// imply — "layers/dense/vars/0" → "dense/kernel" —, initlab's default layer
// names dense, dense_1 … dense_9, conv2d …, layer0 … layer9, "kernel" — the
// default of `initlab init --name` —, and ForensicsOptions::names), both as the
// unseeded initializer under that global seed and as the initializer given an
// explicit seed. The first 8 values are compared first; only a match of those
// is filled in full and compared bit for bit.
//
// diag never reads files: the caller gives each tensor as float32 values with
// the file's dtype name and its layout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "initlab/core/shape.hpp"
#include "initlab/core/tensor.hpp"
#include "initlab/init/fans.hpp"

namespace initlab {

/// How a file lays kernels out: Keras Dense (in, out), Conv (kh, kw, in, out);
/// PyTorch Linear (out, in), Conv (out, in, kh, kw).
enum class WeightLayout { kKeras, kPyTorch };
std::string to_string(WeightLayout layout);

/// PyTorch's when any name looks like a torch state_dict's ("0.weight",
/// "fc1.bias", "*.running_mean", "*.num_batches_tracked"); Keras's otherwise.
WeightLayout layout_from_names(const std::vector<std::string>& names);

/// One tensor of a file, as the caller read it.
struct ForensicTensor {
  std::string name;               ///< as stored in the file
  Tensor values;                  ///< the values as float32
  std::string dtype = "float32";  ///< the file's dtype name; integer tensors are described, not judged
  WeightLayout layout = WeightLayout::kKeras;
};

struct ForensicsOptions {
  /// A family is consistent when its p-value is >= alpha.
  double alpha = 1e-6;
  /// Look for the exact seed and name of bit-identical initial weights.
  bool search_seeds = true;
  /// Seeds to try besides the usual ones (the file's metadata, say).
  std::vector<uint64_t> extra_seeds;
  /// Variable names to try besides the plausible ones.
  std::vector<std::string> extra_names;
  /// At most this many values enter a KS test (an evenly strided subsample
  /// beyond it); every value is still checked against the bound.
  int64_t max_test_values = int64_t{1} << 20;

  /// 0–100, 42 among them, then 1234, 1337, 2024, 12345, 31337, then extra_seeds.
  std::vector<uint64_t> seeds() const;
};

struct TensorStats {
  Shape shape;
  std::string dtype;
  int64_t count = 0;
  double mean = 0, stddev = 0;  ///< of the finite values (population std)
  double min = 0, max = 0;      ///< of the finite values
  int64_t nan = 0, inf = 0, denormal = 0, zeros = 0;
  int64_t finite() const { return count - nan - inf; }
};
/// Statistics of `values`, accumulated in double.
TensorStats tensor_stats(const Tensor& values, std::string dtype = "float32");

/// One initializer family tested against a tensor.
struct InitMatch {
  std::string initializer;      ///< "glorot_uniform", "kaiming_normal (mode fan_out)"
  std::string test;             ///< "KS", "bound", "orthogonality", "exact"
  double p_value = 0;           ///< 1 for an exact structural match, 0 for a violated one
  bool consistent = false;
  std::string detail;           ///< "bounds ±0.0857, KS p = 0.71", "3 values beyond ±0.0857"
  std::optional<Fans> fans;     ///< the fans the family was judged for (random families)
  /// "consistent with glorot_uniform for fans (784, 64): bounds ±0.0857, KS p = 0.71"
  std::string str() const;
};

/// Bit-identical initial weights: which initializer, seed and name made them.
struct SeedMatch {
  std::string initializer;
  uint64_t seed = 0;
  std::string name;            ///< the variable name that keyed the stream; empty for an explicit seed
  bool explicit_seed = false;  ///< the initializer was given `seed` itself (stream (seed, 0))
  /// "the untrained initial weights: glorot_uniform, seed 1234, 'layer1/kernel'"
  std::string str() const;
};

enum class TensorState {
  kInitial,       ///< bit-identical to, or consistent with, an initializer
  kMoved,         ///< matches no initializer: trained or modified
  kUndetermined,  ///< too few values to tell
  kDamaged,       ///< non-finite values, or a kernel that is all zeros or constant
  kNotJudged,     ///< integers, scalars, optimizer state
};
std::string to_string(TensorState state);

struct TensorReport {
  std::string name;
  std::string role;                  ///< "kernel", "bias", "vector", "counter", "optimizer", "scalar"
  WeightLayout layout = WeightLayout::kKeras;
  Shape keras_shape;                 ///< the shape on the Keras layout the fans are read from
  std::optional<Fans> fans;
  TensorStats stats;
  std::vector<InitMatch> tests;      ///< every family tested, consistent ones first, best first
  std::optional<SeedMatch> exact;
  /// Groups (>= 2) of bit-identical output units (columns on the Keras layout), and of inputs (rows, 2-D only).
  std::vector<std::vector<int64_t>> identical_units, identical_inputs;
  TensorState state = TensorState::kNotJudged;
  std::string verdict;               ///< one line
  std::vector<std::string> notes;    ///< identical units, subsampling, skipped searches

  const InitMatch* best() const;     ///< nullptr when no family is consistent
  std::vector<const InitMatch*> consistent() const;
};

enum class FileVerdict { kUntrained, kPartiallyTrained, kTrained, kDamaged, kUnknown };
std::string to_string(FileVerdict verdict);

struct ForensicsReport {
  std::vector<TensorReport> tensors;
  FileVerdict verdict = FileVerdict::kUnknown;
  std::string verdict_line;           ///< "untrained: …", "partially trained: dense_1/kernel never moved", …
  std::vector<std::string> never_moved;  ///< tensors still consistent with an initializer (partially trained)
  std::vector<std::string> damaged;
};

/// Every tensor of a file, with the verdict for the file. A bias's fan_in
/// (for PyTorch's U(±1/√fan_in)) comes from its layer's kernel: "x.bias" ↔
/// "x.weight", "d/bias" ↔ "d/kernel", ".../vars/1" ↔ ".../vars/0".
ForensicsReport analyze_weights(const std::vector<ForensicTensor>& tensors, const ForensicsOptions& options = {});

/// One tensor on its own; `kernel_fans` are the fans of the layer's kernel when
/// `tensor` is a bias.
TensorReport analyze_tensor(const ForensicTensor& tensor, const ForensicsOptions& options = {},
                            std::optional<Fans> kernel_fans = std::nullopt);

/// A kernel on the PyTorch layout rearranged to Keras's: (out, in) → (in, out),
/// (out, in, k…) → (k…, in, out). Rank 0 and 1 come back unchanged.
Tensor to_keras_layout(const Tensor& pytorch_kernel);

}  // namespace initlab
