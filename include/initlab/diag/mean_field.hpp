// Mean-field theory of signal propagation in deep fully-connected nets at
// initialization (Poole et al. 2016, "Exponential expressivity in deep neural
// networks through transient chaos"; Schoenholz et al. 2017, "Deep Information
// Propagation").
//
// Weights W_ij ~ N(0, σ_w²/N), biases b_i ~ N(0, σ_b²), z^l = W φ(z^{l−1}) + b.
// In the infinite-width limit every pre-activation is Gaussian, and with
// Dz the standard Gaussian measure:
//
//   length map       q^l = σ_w² ∫Dz φ(√q^{l−1} z)² + σ_b²,
//                    q^1 = σ_w² · mean(x_i²) + σ_b²;  fixed point q*
//   χ₁               σ_w² ∫Dz φ'(√q* z)²
//   correlation map  c^l = (σ_w² ∫Dz1 Dz2 φ(u1) φ(u2) + σ_b²) / q*,
//                    u1 = √q* z1,  u2 = √q* (c z1 + √(1−c²) z2);  fixed point c*
//   χ_c              σ_w² ∫Dz1 Dz2 φ'(u1) φ'(u2) at c*   (the slope of the c map)
//   depth scales     ξ_c = −1 / ln χ_c,   ξ_q = −1 / ln(slope of the length map at q*)
//
// c* = 1 is always a fixed point; it is stable when χ₁ < 1 (ordered phase:
// inputs become indistinguishable with depth). When χ₁ > 1 (chaotic phase) a
// stable c* < 1 appears. At χ₁ = 1 (criticality) ξ_c is infinite. Schoenholz
// et al. found that nets deeper than about 6 ξ_c do not train.
//
// Numerics. Integrals use composite Gauss–Legendre rules whose panel ends sit
// on every point where φ may have a kink (z = 0 in 1-D; in 2-D, polar
// coordinates with the angular panels cut where u1 = 0 or u2 = 0), so ReLU,
// leaky ReLU, ELU and SELU converge as fast as the smooth activations. Radii
// are cut at 12 (Gaussian tail mass below 1e−31). φ and φ' come from initlab's
// own Activation (float32), sums are accumulated in double. The float
// evaluation sets the precision: ∫Dz tanh(√q z)² agrees with a double-precision
// trapezoid reference to about 3e−8 relative for every q from 1e−6 to 1e6, and
// the tests hold χ₁, q*, c* and χ_c to 1e−6 against their own integrals.
// Consequences: a fixed point is resolved only where the map's slope differs
// from 1 by more than about 1e−7, and for σ_b² = 0 (where χ₁ − 1 is second order
// in σ_w² − 1) the critical σ_w² is known to about 1e−4.
// The slope of the length map is computed without φ'' through Stein's lemma:
// d/dq ∫Dz φ(√q z)² = (1/2q) ∫Dz (z² − 1) φ(√q z)², equal to
// (χ₁ + σ_w² ∫Dz φ''φ) / σ_w² as in Schoenholz et al.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "initlab/nn/activation.hpp"

namespace initlab {

struct MeanFieldOptions {
  Activation activation{"tanh"};  ///< any element-wise activation (softmax is refused)
  double sigma_w2 = 1.0;          ///< weight variance times fan-in
  double sigma_b2 = 0.0;          ///< bias variance
  int depth = 10;                 ///< layers for the predicted q^1 … q^depth
  double input_q = 1.0;           ///< mean of x_i² over the input's components
};

enum class Phase { kOrdered, kCritical, kChaotic };
/// "ordered", "critical", "chaotic".
std::string phase_name(Phase phase);

/// |χ₁ − 1| at or below this counts as critical (a σ_w² given to 3 decimals
/// lands within about 1e−3 of χ₁ = 1).
inline constexpr double kCriticalTolerance = 1e-3;

struct MeanFieldResult {
  std::vector<double> q;      ///< q^1 … q^depth from the length map
  /// The fixed point the length map reaches from q^1; 0 when the signal dies
  /// out, +inf when it grows without bound (e.g. ReLU with σ_w² ≥ 2, σ_b² > 0).
  double q_star = 0;
  /// χ₁, c*, χ_c, the slope and the depth scales below are evaluated at q*,
  /// clamped to [1e−12, 1e12] (the limits q* → 0⁺ and q* → ∞).
  double chi1 = 0;
  double length_slope = 0;  ///< d q^l / d q^{l−1} at q*
  double c_star = 1;
  double chi_c = 0;
  double xi_q = 0;             ///< −1/ln(length_slope); +inf when the slope ≥ 1
  double xi_c = 0;             ///< −1/ln χ_c; +inf when χ_c ≥ 1 (critical)
  double trainable_depth = 0;  ///< 6 ξ_c
  Phase phase = Phase::kOrdered;
};

/// The predictions above. Throws ValueError for negative variances, depth < 1,
/// input_q < 0 or a non-element-wise activation.
MeanFieldResult mean_field(const MeanFieldOptions& options);

/// The length map's fixed point reached from q^1 = sigma_w2·input_q + sigma_b2.
double length_fixed_point(const Activation& activation, double sigma_w2, double sigma_b2, double input_q = 1.0);
/// χ₁ at q* for these variances (q* from input_q = 1).
double chi1(const Activation& activation, double sigma_w2, double sigma_b2);
/// The correlation map c ↦ c^{l+1} at the length q (c in [−1, 1]).
double correlation_map(const Activation& activation, double sigma_w2, double sigma_b2, double q, double c);

/// The smallest σ_w² in [1e−3, 1e4] where χ₁(q*(σ_w², σ_b²)) crosses 1 from
/// below (the order-to-chaos boundary), to a relative 1e−9 in σ_w²; NaN when
/// χ₁ never reaches 1 there. tanh, σ_b² = 0.05: 1.7609; ReLU, σ_b² = 0: 2 (He).
double critical_sigma_w2(const Activation& activation, double sigma_b2);

// ---- measurement on a real net ------------------------------------------------

/// The mean of z² over all units and samples of one layer, and its standard
/// error: the spread of the per-unit means (1/B) Σ_s z_is² over the N units,
/// divided by √N. Given the previous layer the units are independent draws, so
/// this is the sampling error of the layer's own estimate (error carried in
/// from earlier layers is not included).
struct VarianceMeasurement {
  double variance = 0;
  double standard_error = 0;
};

struct MeasureOptions {
  Activation activation{"tanh"};
  double sigma_w2 = 1.0;
  double sigma_b2 = 0.0;
  int depth = 10;
  int64_t width = 256;   ///< units per layer, and the input's dimension
  int64_t batch = 512;   ///< inputs x ~ N(0, input_q) per component
  uint64_t seed = 1;     ///< global seed of the net's weights and of the inputs
  double input_q = 1.0;
};

/// Builds an initlab Sequential of `depth` Dense(width) layers with kernel
/// RandomNormal(stddev σ_w/√width), bias RandomNormal(stddev σ_b) (zeros when
/// σ_b = 0), feeds `batch` Gaussian inputs and measures every layer's
/// pre-activation. Sets the global seed to `seed`.
std::vector<VarianceMeasurement> measured_preactivation_variance(const MeasureOptions& options);

}  // namespace initlab
