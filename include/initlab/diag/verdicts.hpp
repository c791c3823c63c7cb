// Verdicts on a network's signal propagation, each with its numbers:
//
//   vanishing   the std of ∂L/∂z falls by more than 10× from the last layer to the
//               first; or, going forward, the std of the pre-activations z falls by
//               more than 10× from the first weighted layer to the last
//   exploding   either rises by more than 10×
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

/// The verdicts as lines for a terminal, in order: a kind that concerns more
/// than `per_kind` layers is told for the first `per_kind` of them, then one
/// line names the rest ("… and 18 more layers dead: 'dense_2' … 'dense_19'").
std::vector<std::string> verdict_lines(const std::vector<Verdict>& verdicts, size_t per_kind = 2);

}  // namespace initlab
