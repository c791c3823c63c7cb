// Mean-field theory (Poole et al. 2016; Schoenholz et al. 2017) against closed
// forms (linear, ReLU), against the test's own trapezoid integrals in double
// with std::tanh, and against a real initlab net.
//
// The trapezoid rule on a uniform grid is spectrally accurate for an analytic
// integrand with a Gaussian weight: with tanh(√q z), whose nearest poles sit at
// z = ±iπ/(2√q), the error is about exp(−2π·π/(2√q)/h) — below 1e−40 for
// q ≤ 2 and h = 0.05. So the reference values below are exact to double
// rounding, and the tolerances measure the library's float32 evaluation of φ.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "initlab/core/error.hpp"
#include "initlab/diag/mean_field.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using testing::error_of;

constexpr double kPi = std::numbers::pi;

// ---- the test's own integrals: trapezoid on [−L, L] (2-D: the product grid) ----

double gauss_1d(const std::function<double(double)>& f, double h = 0.05, double half_width = 12) {
  double s = 0;
  const int n = static_cast<int>(std::lround(half_width / h));
  for (int i = -n; i <= n; ++i) {
    const double z = i * h;
    s += std::exp(-0.5 * z * z) * f(z);
  }
  return s * h / std::sqrt(2 * kPi);
}

double gauss_2d(const std::function<double(double, double)>& f, double h = 0.1, double half_width = 10) {
  double s = 0;
  const int n = static_cast<int>(std::lround(half_width / h));
  for (int i = -n; i <= n; ++i) {
    const double z1 = i * h, w1 = std::exp(-0.5 * z1 * z1);
    for (int j = -n; j <= n; ++j) {
      const double z2 = j * h;
      s += w1 * std::exp(-0.5 * z2 * z2) * f(z1, z2);
    }
  }
  return s * h * h / (2 * kPi);
}

double dtanh(double u) {
  const double t = std::tanh(u);
  return 1 - t * t;
}

double ref_length_map(double sw2, double sb2, double q) {
  const double s = std::sqrt(q);
  return sw2 * gauss_1d([&](double z) { return std::pow(std::tanh(s * z), 2); }) + sb2;
}

// q* of tanh by plain iteration of the length map (it contracts for σ_b² > 0).
double ref_q_star(double sw2, double sb2) {
  double q = sw2 + sb2;
  for (int it = 0; it < 3000; ++it) {
    const double next = ref_length_map(sw2, sb2, q);
    if (std::abs(next - q) < 1e-15 * q) return next;
    q = next;
  }
  return q;
}

double ref_chi1(double sw2, double q) {
  const double s = std::sqrt(q);
  return sw2 * gauss_1d([&](double z) { return std::pow(dtanh(s * z), 2); });
}

double ref_c_map(double sw2, double sb2, double q, double c) {
  const double s = std::sqrt(q), r = std::sqrt(1 - c * c);
  const double e = gauss_2d([&](double z1, double z2) { return std::tanh(s * z1) * std::tanh(s * (c * z1 + r * z2)); });
  return (sw2 * e + sb2) / q;
}

double ref_chi_c(double sw2, double q, double c) {
  const double s = std::sqrt(q), r = std::sqrt(1 - c * c);
  return sw2 * gauss_2d([&](double z1, double z2) { return dtanh(s * z1) * dtanh(s * (c * z1 + r * z2)); });
}

double ref_critical_tanh(double sb2) {
  double lo = 1.0, hi = 3.0;  // χ₁ − 1 < 0 at 1 and > 0 at 3 for small σ_b²
  while (hi - lo > 1e-9) {
    const double mid = 0.5 * (lo + hi);
    (ref_chi1(mid, ref_q_star(mid, sb2)) > 1 ? hi : lo) = mid;
  }
  return 0.5 * (lo + hi);
}

MeanFieldResult run(const char* act, double sw2, double sb2, int depth = 10, double input_q = 1.0) {
  return mean_field({.activation = act, .sigma_w2 = sw2, .sigma_b2 = sb2, .depth = depth, .input_q = input_q});
}

// ---- closed forms ----------------------------------------------------------------

TEST(MeanFieldTest, ReluLengthMapIsHalfSigmaW2) {
  // ReLU: ∫Dz relu(√q z)² = q/2, so q^l = σ_w² q^{l−1}/2 + σ_b², χ₁ = σ_w²/2,
  // q* = σ_b² / (1 − σ_w²/2), and the length map's slope is σ_w²/2 too.
  const double sw2 = 1.5, sb2 = 0.1;
  const MeanFieldResult r = run("relu", sw2, sb2, 12, 2.0);
  double q = sw2 * 2.0 + sb2;
  ASSERT_EQ(r.q.size(), 12u);
  for (double got : r.q) {
    EXPECT_NEAR(got / q, 1, 1e-6);
    q = sw2 * q / 2 + sb2;
  }
  EXPECT_NEAR(r.q_star, sb2 / (1 - sw2 / 2), 1e-6);
  EXPECT_NEAR(r.chi1, sw2 / 2, 1e-7);
  EXPECT_NEAR(r.length_slope, sw2 / 2, 1e-6);
  EXPECT_EQ(r.phase, Phase::kOrdered);
  EXPECT_EQ(r.c_star, 1);
  EXPECT_NEAR(r.xi_c, -1 / std::log(sw2 / 2), 1e-5);
  EXPECT_NEAR(r.trainable_depth, 6 * r.xi_c, 1e-12);
}

TEST(MeanFieldTest, ReluFixedPointIsZeroOrInfinity) {
  // Without bias the length shrinks (σ_w² < 2), is kept (= 2) or grows (> 2) geometrically.
  EXPECT_EQ(run("relu", 1.9, 0).q_star, 0);
  EXPECT_NEAR(run("relu", 2.0, 0, 5, 3.0).q_star, 6.0, 1e-5);
  EXPECT_TRUE(std::isinf(run("relu", 2.1, 0).q_star));
  // At σ_w² = 2 a bias adds σ_b² per layer: no fixed point.
  const MeanFieldResult r = run("relu", 2.0, 0.05, 5);
  EXPECT_TRUE(std::isinf(r.q_star));
  EXPECT_NEAR(r.q[4], 2.0 + 4 * 0.05 + 0.05, 1e-5);
  EXPECT_EQ(r.phase, Phase::kCritical);
  EXPECT_TRUE(std::isinf(r.xi_c));
}

TEST(MeanFieldTest, ReluCorrelationMapIsTheArcCosineKernel) {
  // Cho & Saul (2009): ∫ relu(u1) relu(u2) = q (sin θ + (π − θ) cos θ) / (2π), θ = arccos c.
  const double sw2 = 1.7, sb2 = 0.2, q = 0.9;
  for (double c : {-0.9, -0.3, 0.0, 0.4, 0.8, 0.99}) {
    const double th = std::acos(c);
    const double e = q * (std::sin(th) + (kPi - th) * c) / (2 * kPi), e1 = q / 2;
    const double want = (sw2 * e + sb2) / (sw2 * e1 + sb2);
    EXPECT_NEAR(correlation_map("relu", sw2, sb2, q, c), want, 1e-7) << "c = " << c;
  }
}

TEST(MeanFieldTest, LinearIsClosedForm) {
  // φ(u) = u: q^l = σ_w² q^{l−1} + σ_b², χ₁ = σ_w², c ↦ (σ_w² q c + σ_b²)/(σ_w² q + σ_b²).
  const double sw2 = 0.8, sb2 = 0.2;
  const MeanFieldResult r = run("linear", sw2, sb2, 6, 3.0);
  EXPECT_NEAR(r.q_star, sb2 / (1 - sw2), 1e-6);
  EXPECT_NEAR(r.q[5], std::pow(sw2, 6) * 3 + sb2 * (1 - std::pow(sw2, 6)) / (1 - sw2), 1e-6);
  EXPECT_NEAR(r.chi1, sw2, 1e-7);
  EXPECT_NEAR(r.xi_q, -1 / std::log(sw2), 1e-4);
  for (double c : {-0.5, 0.3, 0.9}) {
    EXPECT_NEAR(correlation_map("linear", sw2, sb2, 2.0, c), (sw2 * 2 * c + sb2) / (sw2 * 2 + sb2), 1e-7);
  }
  EXPECT_NEAR(critical_sigma_w2("linear", 0.3), 1.0, 1e-8);
}

// ---- tanh against the test's own integrals --------------------------------------

TEST(MeanFieldTest, TanhOrderedMatchesTrapezoid) {
  // σ_w² = 1, σ_b² = 0.05: ordered, c* = 1, χ_c = χ₁ and ξ_c = −1/ln χ₁.
  const double sw2 = 1.0, sb2 = 0.05;
  const double q_star = ref_q_star(sw2, sb2), chi = ref_chi1(sw2, q_star);
  const MeanFieldResult r = run("tanh", sw2, sb2, 30);
  EXPECT_NEAR(r.q_star / q_star, 1, 1e-6);
  EXPECT_NEAR(r.chi1 / chi, 1, 1e-6);
  EXPECT_EQ(r.phase, Phase::kOrdered);
  EXPECT_EQ(r.c_star, 1);
  const double xi = -1 / std::log(chi);
  // dξ/ξ = dχ/(χ |ln χ|): a 1e−6 error in χ₁ is amplified by 1/|ln χ₁| (about 7 here).
  EXPECT_NEAR(r.xi_c / xi, 1, 1e-5) << "ξ_c " << r.xi_c << " vs " << xi;
  // The per-layer lengths, one trapezoid step at a time.
  double q = sw2 + sb2;
  for (int l = 0; l < 30; ++l) {
    EXPECT_NEAR(r.q[l] / q, 1, 1e-6) << "layer " << l + 1;
    q = ref_length_map(sw2, sb2, q);
  }
  // The slope of the length map (Stein's lemma in the library) against a central difference.
  const double h = 1e-4 * q_star;
  const double slope = (ref_length_map(sw2, sb2, q_star + h) - ref_length_map(sw2, sb2, q_star - h)) / (2 * h);
  EXPECT_NEAR(r.length_slope, slope, 1e-6);
  EXPECT_NEAR(r.xi_q, -1 / std::log(slope), 1e-4 * r.xi_q);
}

TEST(MeanFieldTest, TanhChaoticMatchesTrapezoid) {
  const double sw2 = 2.5, sb2 = 0.05;
  const double q_star = ref_q_star(sw2, sb2);
  // c* by bisection on the test's own correlation map: c ↦ c^{l+1} − c changes sign once in [0, 1).
  double lo = 0, hi = 0.999;
  ASSERT_GT(ref_c_map(sw2, sb2, q_star, lo) - lo, 0);
  ASSERT_LT(ref_c_map(sw2, sb2, q_star, hi) - hi, 0);
  while (hi - lo > 1e-10) {
    const double mid = 0.5 * (lo + hi);
    (ref_c_map(sw2, sb2, q_star, mid) - mid > 0 ? lo : hi) = mid;
  }
  const double c_star = 0.5 * (lo + hi), chi_c = ref_chi_c(sw2, q_star, c_star);
  const MeanFieldResult r = run("tanh", sw2, sb2);
  EXPECT_EQ(r.phase, Phase::kChaotic);
  EXPECT_GT(r.chi1, 1);
  EXPECT_NEAR(r.chi1 / ref_chi1(sw2, q_star), 1, 1e-6);
  // g(c) = c^{l+1} − c has slope χ_c − 1 at c*, so an error ε in the map moves c* by ε/(1 − χ_c).
  EXPECT_NEAR(r.c_star, c_star, 1e-6) << "c*";
  EXPECT_NEAR(r.chi_c, chi_c, 1e-6) << "χ_c";
  EXPECT_NEAR(r.xi_c, -1 / std::log(chi_c), 1e-5 * r.xi_c);
  EXPECT_LT(r.chi_c, 1);
}

TEST(MeanFieldTest, CriticalSigmaW2) {
  // tanh at σ_b² = 0.05: the order-to-chaos boundary of Poole et al. / Schoenholz et al. (≈ 1.761).
  const double tanh_crit = critical_sigma_w2("tanh", 0.05);
  // The library bisects to 1e−10 relative; the rest is the float32 χ₁ (≈1e−7) divided by dχ₁/dσ_w² (≈0.5).
  EXPECT_NEAR(tanh_crit, ref_critical_tanh(0.05), 1e-6);
  EXPECT_NEAR(tanh_crit, 1.761, 5e-4);  // the value as quoted to three decimals
  EXPECT_NEAR(critical_sigma_w2("relu", 0.0), 2.0, 1e-8);  // He et al. 2015
  EXPECT_NEAR(critical_sigma_w2("tanh", 0.0), 1.0, 1e-4);  // χ₁ → σ_w² as q* → 0
  // More bias needs more weight variance to reach the edge of chaos.
  EXPECT_GT(critical_sigma_w2("tanh", 0.2), tanh_crit);
  // The result is a point where χ₁ = 1.
  EXPECT_NEAR(chi1("tanh", tanh_crit, 0.05), 1, 1e-6);
}

TEST(MeanFieldTest, PhaseBoundary) {
  const double crit = critical_sigma_w2("tanh", 0.05);
  const MeanFieldResult below = run("tanh", 0.95 * crit, 0.05), above = run("tanh", 1.05 * crit, 0.05);
  const MeanFieldResult near_below = run("tanh", 0.99 * crit, 0.05), at = run("tanh", crit, 0.05);
  EXPECT_EQ(below.phase, Phase::kOrdered);
  EXPECT_EQ(above.phase, Phase::kChaotic);
  EXPECT_EQ(at.phase, Phase::kCritical);
  EXPECT_LT(below.chi1, 1);
  EXPECT_GT(above.chi1, 1);
  EXPECT_EQ(below.c_star, 1);
  EXPECT_LT(above.c_star, 1);
  // ξ_c grows toward the boundary and is infinite on it.
  EXPECT_GT(near_below.xi_c, below.xi_c);
  EXPECT_TRUE(std::isinf(at.xi_c) || at.xi_c > 500) << at.xi_c;
  EXPECT_EQ(phase_name(Phase::kChaotic), "chaotic");
}

TEST(MeanFieldTest, EveryElementwiseActivationGivesFiniteNumbers) {
  // σ_w² = 0.9: ordered for every one of them, so q* is finite (linear: σ_b²/(1 − σ_w²)).
  for (const char* act : {"tanh", "relu", "sigmoid", "linear", "elu", "selu", "gelu", "swish", "softplus", "leaky_relu"}) {
    const MeanFieldResult r = run(act, 0.9, 0.1, 5);
    EXPECT_TRUE(std::isfinite(r.q_star) && r.q_star > 0) << act;
    EXPECT_TRUE(std::isfinite(r.chi1) && r.chi1 > 0) << act;
    EXPECT_TRUE(r.c_star <= 1 && r.c_star >= -1) << act;
  }
  // SELU at σ_w² = 1, σ_b² = 0 keeps q* = 1 (Klambauer et al. 2017, the self-normalizing fixed point).
  EXPECT_NEAR(length_fixed_point("selu", 1.0, 0.0), 1.0, 1e-4);
}

TEST(MeanFieldTest, BadInputIsRefused) {
  EXPECT_NE(error_of([] { run("softmax", 1, 0); }).find("element-wise"), std::string::npos);
  EXPECT_NE(error_of([] { run("tanh", 1, -0.1); }).find("σ_b² must be a finite number >= 0, got -0.1"),
            std::string::npos);
  EXPECT_NE(error_of([] { run("tanh", -1, 0); }).find("σ_w²"), std::string::npos);
  EXPECT_NE(error_of([] { run("tanh", 1, 0, 0); }).find("depth must be in [1, 100000], got 0"), std::string::npos);
  EXPECT_NE(error_of([] { correlation_map("tanh", 1, 0, 1, 1.5); }).find("c must be in [-1, 1]"), std::string::npos);
  EXPECT_NE(error_of([] { measured_preactivation_variance({.width = 1}); }).find("width"), std::string::npos);
  EXPECT_THROW(run("tahn", 1, 0), ConfigError);
}

// ---- a real net ------------------------------------------------------------------------

TEST(MeanFieldTest, MeasuredVarianceMatchesPrediction) {
  // R independent nets (seeds) per case. One net's mean(z²) at layer l carries
  // its layer's own sampling error (the sample variance over width·batch values,
  // correlated through c^l) plus every earlier layer's, passed on with the length
  // map's slope — for ReLU at σ_w² = 2 the slope is 1, and the post-ReLU second
  // moment adds a fourth-moment term (Hanin & Nica 2019: Var log q^l ≈ 5 l / width
  // when c ≈ 1). Rather than model every term, the test takes the spread over the
  // R nets: the mean of R is within 5 s/√R of its expectation (Student t, 11
  // degrees of freedom: p ≈ 3e−4 per comparison), and that expectation differs
  // from the infinite-width theory by O(1/width).
  struct Case {
    const char* act;
    double sw2, sb2;
  };
  constexpr int kNets = 12, kDepth = 8;
  constexpr int64_t kWidth = 256;
  for (const Case& k : {Case{"tanh", 1.5, 0.05}, Case{"tanh", 2.5, 0.05}, Case{"relu", 1.5, 0.5},
                        Case{"relu", 2.0, 0.0}}) {
    std::vector<double> sum(kDepth, 0), sum2(kDepth, 0);
    for (int n = 0; n < kNets; ++n) {
      const MeasureOptions mo{.activation = k.act, .sigma_w2 = k.sw2, .sigma_b2 = k.sb2, .depth = kDepth,
                              .width = kWidth, .batch = 64, .seed = static_cast<uint64_t>(100 + n)};
      const std::vector<VarianceMeasurement> meas = measured_preactivation_variance(mo);
      ASSERT_EQ(meas.size(), static_cast<size_t>(kDepth));
      for (int l = 0; l < kDepth; ++l) {
        sum[l] += meas[l].variance;
        sum2[l] += meas[l].variance * meas[l].variance;
      }
      // Layer 1 has no carried error: within 5 of its own standard errors.
      const double q1 = k.sw2 + k.sb2;
      EXPECT_NEAR(meas[0].variance, q1, 5 * meas[0].standard_error + 2.0 / kWidth * q1) << k.act << " net " << n;
    }
    const MeanFieldResult pred = run(k.act, k.sw2, k.sb2, kDepth);
    for (int l = 0; l < kDepth; ++l) {
      const double mean = sum[l] / kNets, sd = std::sqrt((sum2[l] - kNets * mean * mean) / (kNets - 1));
      const double band = 5 * sd / std::sqrt(kNets) + 2.0 / kWidth * pred.q[l];
      EXPECT_NEAR(mean, pred.q[l], band) << k.act << " σ_w² " << k.sw2 << " layer " << l + 1 << " sd " << sd;
      // For tanh the band is tight enough to catch a σ used as a variance (a factor 1.5
      // or 2.5 in q^1): 10% of q at most. ReLU nets fluctuate far more from net to net
      // (the band reaches 20–30% by layer 8 at width 256): once inputs are alike (c → 1)
      // the batch no longer averages, and which half of the units is active is itself
      // random, so each layer adds a relative variance of about 5/width (Hanin & Nica).
      if (std::string(k.act) == "tanh") {
        EXPECT_LT(band, 0.1 * pred.q[l]) << k.act << " layer " << l + 1;
      }
    }
  }
}

TEST(MeanFieldTest, MeasuredStandardErrorIsTheSampleVarianceError) {
  // Layer 1 of a linear net: z = W x, with x fixed each unit's z over the batch is
  // N(0, σ_w² |x_s|²/N)… averaged: the per-unit second moment has variance
  // 2 q² (1/B + (1 − 1/B) c̄²) with c̄² ≈ 1/N for random inputs, so se ≈ q √(2 (1/B + 1/N) / N).
  const MeasureOptions mo{.activation = "linear", .sigma_w2 = 1.0, .sigma_b2 = 0, .depth = 1, .width = 400,
                          .batch = 100, .seed = 3};
  const VarianceMeasurement m = measured_preactivation_variance(mo)[0];
  const double se = std::sqrt(2 * (1.0 / 100 + 1.0 / 400) / 400);
  // The spread of 400 skewed values is itself uncertain by several percent: a 25% band.
  EXPECT_NEAR(m.standard_error / se, 1, 0.25);
  EXPECT_NEAR(m.variance, 1, 4 * se);
}

}  // namespace
}  // namespace initlab
