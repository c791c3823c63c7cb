// Verdicts on a network's signal propagation, each with its numbers:
//
//   vanishing   the std of ∂L/∂z falls by more than 10× from the last layer to the first
//   exploding   it rises by more than 10×
//   saturated   a tanh/sigmoid layer with more than half its outputs saturated
//   dead        a ReLU layer with more than half its units dead on the whole batch
//   symmetric   groups of units with bit-identical incoming weights and outputs
//               (they receive identical gradients and can never become different)
//   healthy     none of the above
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "initlab/diag/layer_stats.hpp"

namespace initlab {

class Sequential;

struct Verdict {
  enum class Kind { kHealthy, kVanishing, kExploding, kSaturated, kDead, kSymmetric };
  Kind kind = Kind::kHealthy;
  std::string layer;    ///< the layer concerned; empty for the whole network
  double value = 0;     ///< the ratio or fraction behind the verdict
  std::string message;  ///< one readable sentence with the numbers
  /// kSymmetric: groups of unit indices that are identical.
  std::vector<std::vector<int64_t>> unit_groups;
};

/// "healthy", "vanishing", "exploding", "saturated", "dead", "symmetric".
std::string verdict_name(Verdict::Kind kind);

struct VerdictThresholds {
  double gradient_ratio = 10;     ///< vanishing / exploding beyond this factor
  double saturated_fraction = 0.5;
  double dead_fraction = 0.5;
};

/// Verdicts from a snapshot (with gradients) and, for symmetry, the model's
/// current weights and the outputs of the probed batch. Always at least one
/// verdict: "healthy" when nothing is wrong.
std::vector<Verdict> judge(const Snapshot& snapshot, Sequential& model, const VerdictThresholds& t = {});

}  // namespace initlab
