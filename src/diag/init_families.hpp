// The initializer families weight forensics tests a tensor against, and the
// test of each (internal to diag). Parameters come from Initializer::theory
// for the tensor's fans, so a family is judged by exactly the distribution
// initlab draws from.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "initlab/core/tensor.hpp"
#include "initlab/diag/weight_forensics.hpp"
#include "initlab/init/initializer.hpp"

namespace initlab::detail {

/// The shape of a family's distribution, which decides its test.
enum class FamilyShape { kUniform, kNormal, kTruncatedNormal, kOrthogonal };

struct InitFamily {
  std::string label;  ///< "glorot_uniform", "kaiming_normal (mode fan_out)"
  Initializer init;   ///< unseeded, default arguments
  FamilyShape shape;
};

/// Every Keras and PyTorch default family for a kernel, Keras's first: glorot,
/// he, lecun (uniform, truncated normal, and lecun untruncated), random_normal,
/// random_uniform, truncated_normal (stddev 0.05), orthogonal, xavier and
/// kaiming (PyTorch's untruncated forms, kaiming in fan_in and fan_out mode),
/// PyTorch's nn.Linear/Conv default U(±1/√fan_in), trunc_normal (std 1 and 0.02).
const std::vector<InitFamily>& kernel_families();
/// PyTorch's default bias U(±1/√fan_in), fan_in of the layer's kernel.
const InitFamily& torch_default_family();

/// Tests `family` on a tensor with `fans`: `values` all of its values (on the
/// Keras layout; for the bound and orthogonality), `sample` the sorted finite
/// values the KS test uses.
InitMatch test_family(const InitFamily& family, const Tensor& values, std::span<const double> sample,
                      const Fans& fans, double alpha);

/// "zeros", "ones" or "constant 0.5" when every value equals the first; nullopt otherwise.
std::optional<InitMatch> constant_match(const Tensor& values);

/// "p = 0.71", "p = 3.2e-12", "p < 1e-300".
std::string p_text(double p);

}  // namespace initlab::detail
