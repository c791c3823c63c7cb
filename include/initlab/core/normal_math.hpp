// The standard normal distribution in double precision: Φ, Φ⁻¹, φ, and the
// moments of a truncated normal. Used by samplers and by describe().
#pragma once

namespace initlab {

/// Density φ(x).
double normal_pdf(double x);
/// Φ(x), accurate in both tails (through erfc).
double normal_cdf(double x);
/// Φ⁻¹(p) for p in (0, 1): Wichura's AS241 (PPND16), relative error ~1e-16.
double normal_quantile(double p);

/// Standard deviation and mean of N(0, 1) truncated to [a, b].
struct TruncatedMoments {
  double mean;
  double stddev;
};
TruncatedMoments truncated_normal_moments(double a, double b);

/// √(1 − 4φ(2)/(Φ(2) − Φ(−2))): the std of N(0,1) cut at ±2, the constant
/// Keras divides by so that variance_scaling's truncated draw has std √(scale/n).
inline constexpr double kTruncatedStd2 = 0.87962566103423978;

}  // namespace initlab
