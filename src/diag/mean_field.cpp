#include "initlab/diag/mean_field.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <numbers>

#include "initlab/core/error.hpp"
#include "initlab/core/random_stream.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/core/tensor.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
/// Gaussian radii beyond this carry mass below 1e−31: the rules stop here.
constexpr double kRadius = 12.0;
/// Gauss–Legendre points per panel.
constexpr int kPointsPerPanel = 8;
/// Panels shrink geometrically by this ratio toward a kink, down to kFinest
/// times the panel length, so a feature of width 1/√q at the kink is resolved
/// for q up to about 1e6 (and exactly for piecewise-linear φ at any q).
constexpr double kGrading = 4.0;
constexpr double kFinest = 1e-4;
/// q* and the quantities at q* are evaluated on [kQMin, kQMax]: the limits
/// q → 0⁺ and q → ∞ of the maps (√q z stays inside float range).
constexpr double kQMin = 1e-12;
constexpr double kQMax = 1e12;
/// |L(q)/q − 1| at or below this is float noise (φ is float32): a fixed point.
constexpr double kMapNoise = 1e-7;

struct Rule {
  std::vector<double> x, w;
};

// n-point Gauss–Legendre on [−1, 1]: Newton on P_n from the Chebyshev guess.
const Rule& gauss_legendre() {
  static const Rule rule = [] {
    constexpr int n = kPointsPerPanel;
    Rule r;
    r.x.resize(n);
    r.w.resize(n);
    for (int i = 0; i < n; ++i) {
      double x = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5));
      double dp = 0;
      for (int it = 0; it < 100; ++it) {
        double p0 = 1, p1 = x;  // P_0, P_1; recurrence (k+1) P_{k+1} = (2k+1) x P_k − k P_{k−1}
        for (int k = 1; k < n; ++k) {
          const double p2 = ((2 * k + 1) * x * p1 - k * p0) / (k + 1);
          p0 = p1;
          p1 = p2;
        }
        dp = n * (x * p1 - p0) / (x * x - 1);
        const double dx = p1 / dp;
        x -= dx;
        if (std::abs(dx) < 1e-16) break;
      }
      r.x[i] = x;
      r.w[i] = 2 / ((1 - x * x) * dp * dp);
    }
    return r;
  }();
  return rule;
}

// Panel ends on [a, b], graded toward a (and toward b when both_ends).
std::vector<double> graded_panels(double a, double b, double uniform_width, bool both_ends) {
  const double len = b - a;
  std::vector<double> rel{0};  // positions in [0, 1]
  const double u = std::min(1.0, uniform_width / len);
  const double half = both_ends ? 0.5 : 1.0;
  for (double t = kFinest; t < std::min(u, half); t *= kGrading) rel.push_back(t);
  for (double t = std::max(rel.back() * kGrading, u); t < half - 1e-12; t += u) rel.push_back(t);
  if (both_ends) {
    const size_t m = rel.size();
    rel.push_back(0.5);
    for (size_t i = m; i-- > 1;) rel.push_back(1 - rel[i]);
  }
  rel.push_back(1.0);
  std::vector<double> ends;
  for (double t : rel) ends.push_back(a + t * len);
  ends.erase(std::unique(ends.begin(), ends.end(), [](double p, double q) { return q - p < 1e-15; }), ends.end());
  return ends;
}

// Composite rule for ∫_a^b f over the panels.
Rule composite(const std::vector<double>& ends) {
  const Rule& gl = gauss_legendre();
  Rule r;
  for (size_t p = 0; p + 1 < ends.size(); ++p) {
    const double mid = 0.5 * (ends[p] + ends[p + 1]), half = 0.5 * (ends[p + 1] - ends[p]);
    for (size_t i = 0; i < gl.x.size(); ++i) {
      r.x.push_back(mid + half * gl.x[i]);
      r.w.push_back(half * gl.w[i]);
    }
  }
  return r;
}

// ∫Dz f(z) ≈ Σ w_k f(z_k): nodes on [−R, R], symmetric, graded toward the kink at 0.
const Rule& gauss_1d() {
  static const Rule rule = [] {
    const Rule half = composite(graded_panels(0, kRadius, 0.5, false));
    Rule r;
    for (int sign : {-1, 1}) {
      for (size_t i = 0; i < half.x.size(); ++i) {
        const double z = sign * half.x[i];
        r.x.push_back(z);
        r.w.push_back(half.w[i] * std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi));
      }
    }
    return r;
  }();
  return rule;
}

// The radial part of the 2-D Gaussian in polar coordinates: ∫_0^R r e^{−r²/2} g(r) dr.
const Rule& radial() {
  static const Rule rule = [] {
    Rule r = composite(graded_panels(0, kRadius, 0.5, false));
    for (size_t i = 0; i < r.x.size(); ++i) r.w[i] *= r.x[i] * std::exp(-0.5 * r.x[i] * r.x[i]);
    return r;
  }();
  return rule;
}

void check_activation(const Activation& act, const char* where) {
  if (act.kind() == Activation::Kind::kSoftmax) {
    throw ValueError(fmt::format("{}: the activation must act element-wise; softmax mixes units, so mean-field "
                                 "theory does not apply (use tanh, relu, sigmoid, …)",
                                 where));
  }
}

void check_variances(double sigma_w2, double sigma_b2, const char* where) {
  if (!(sigma_w2 > 0) || !std::isfinite(sigma_w2)) {
    throw ValueError(fmt::format("{}: σ_w² must be a finite number > 0, got {}", where, sigma_w2));
  }
  if (!(sigma_b2 >= 0) || !std::isfinite(sigma_b2)) {
    throw ValueError(fmt::format("{}: σ_b² must be a finite number >= 0, got {}", where, sigma_b2));
  }
}

// φ(u) and φ'(u) at the points u, through Activation (float32).
void evaluate(const Activation& act, const std::vector<double>& u, std::vector<double>& phi, std::vector<double>& dphi) {
  const auto n = static_cast<int64_t>(u.size());
  Tensor z(Shape{n}), a(Shape{n}), ones(Shape{n}, 1.0f), d(Shape{n});
  for (int64_t i = 0; i < n; ++i) z[i] = static_cast<float>(u[i]);
  act.forward(z, a);
  act.backward(z, a, ones, d);
  phi.resize(u.size());
  dphi.resize(u.size());
  for (int64_t i = 0; i < n; ++i) {
    phi[i] = a[i];
    dphi[i] = d[i];
  }
}

// One-dimensional Gaussian moments at length q.
struct Moments1D {
  double phi2 = 0;        // ∫Dz φ(√q z)²
  double dphi2 = 0;       // ∫Dz φ'(√q z)²
  double stein = 0;       // ∫Dz (z² − 1) φ(√q z)²
};

Moments1D moments_1d(const Activation& act, double q) {
  const Rule& g = gauss_1d();
  const double s = std::sqrt(q);
  std::vector<double> u(g.x.size()), phi, dphi;
  for (size_t i = 0; i < u.size(); ++i) u[i] = s * g.x[i];
  evaluate(act, u, phi, dphi);
  Moments1D m;
  for (size_t i = 0; i < u.size(); ++i) {
    m.phi2 += g.w[i] * phi[i] * phi[i];
    m.dphi2 += g.w[i] * dphi[i] * dphi[i];
    m.stein += g.w[i] * (g.x[i] * g.x[i] - 1) * phi[i] * phi[i];
  }
  return m;
}

// ∫Dz1 Dz2 φ(u1)φ(u2) and φ'(u1)φ'(u2) with u1 = √q z1, u2 = √q (c z1 + √(1−c²) z2).
// Polar coordinates z = r (cos θ, sin θ): u1 = √q r cos θ, u2 = √q r cos(θ − α),
// cos α = c. The angular panels end where cos θ = 0 or cos(θ − α) = 0, so a kink
// of φ at 0 never falls inside a panel.
struct Moments2D {
  double phiphi = 0;
  double dphidphi = 0;
};

Moments2D moments_2d(const Activation& act, double q, double c) {
  c = std::clamp(c, -1.0, 1.0);
  const double alpha = std::acos(c), two_pi = 2 * std::numbers::pi;
  std::vector<double> cuts;
  for (double t : {0.5 * std::numbers::pi, 1.5 * std::numbers::pi, alpha + 0.5 * std::numbers::pi,
                   alpha + 1.5 * std::numbers::pi}) {
    cuts.push_back(std::fmod(t, two_pi));
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end(), [](double a, double b) { return b - a < 1e-13; }), cuts.end());
  if (cuts.size() > 1 && cuts.front() + two_pi - cuts.back() < 1e-13) cuts.pop_back();
  Rule theta;
  for (size_t k = 0; k < cuts.size(); ++k) {
    const double a = cuts[k], b = k + 1 < cuts.size() ? cuts[k + 1] : cuts[0] + two_pi;
    const Rule arc = composite(graded_panels(a, b, 0.25, true));
    theta.x.insert(theta.x.end(), arc.x.begin(), arc.x.end());
    theta.w.insert(theta.w.end(), arc.w.begin(), arc.w.end());
  }
  const Rule& rad = radial();
  const size_t nt = theta.x.size(), nr = rad.x.size();
  // u holds u1 for every (θ, r) node, then u2.
  std::vector<double> u(2 * nt * nr), phi, dphi;
  const double s = std::sqrt(q);
  for (size_t j = 0; j < nt; ++j) {
    const double c1 = std::cos(theta.x[j]), c2 = std::cos(theta.x[j] - alpha);
    for (size_t k = 0; k < nr; ++k) {
      u[j * nr + k] = s * rad.x[k] * c1;
      u[nt * nr + j * nr + k] = s * rad.x[k] * c2;
    }
  }
  evaluate(act, u, phi, dphi);
  Moments2D m;
  for (size_t j = 0; j < nt; ++j) {
    double pp = 0, dd = 0;
    for (size_t k = 0; k < nr; ++k) {
      const size_t i1 = j * nr + k, i2 = nt * nr + i1;
      pp += rad.w[k] * phi[i1] * phi[i2];
      dd += rad.w[k] * dphi[i1] * dphi[i2];
    }
    m.phiphi += theta.w[j] * pp;
    m.dphidphi += theta.w[j] * dd;
  }
  m.phiphi /= two_pi;
  m.dphidphi /= two_pi;
  return m;
}

double length_map(const Activation& act, double sigma_w2, double sigma_b2, double q) {
  if (!std::isfinite(q) || q > 1e300) return kInf;
  return sigma_w2 * moments_1d(act, q).phi2 + sigma_b2;
}

double clamp_q(double q) { return std::clamp(q, kQMin, kQMax); }

double depth_scale(double slope) {
  if (!(slope < 1)) return kInf;
  if (slope <= 0) return 0;
  return -1 / std::log(slope);
}

}  // namespace

std::string phase_name(Phase phase) {
  switch (phase) {
    case Phase::kOrdered: return "ordered";
    case Phase::kCritical: return "critical";
    case Phase::kChaotic: return "chaotic";
  }
  return "?";
}

double length_fixed_point(const Activation& activation, double sigma_w2, double sigma_b2, double input_q) {
  check_activation(activation, "length_fixed_point");
  check_variances(sigma_w2, sigma_b2, "length_fixed_point");
  if (!(input_q >= 0) || !std::isfinite(input_q)) {
    throw ValueError(fmt::format("length_fixed_point: input q (mean x²) must be >= 0, got {}", input_q));
  }
  const double q1 = sigma_w2 * input_q + sigma_b2;
  if (q1 <= 0) return 0;
  // r(q) = L(q)/q − 1: positive where the length map grows q. The map is
  // monotone in q, so iterating from q^1 walks toward the first sign change of
  // r in the direction sign(r(q^1)): find it by stepping ×4 and bisecting.
  // A step counts as a crossing only when r is clearly past 0 (beyond the
  // float noise of the integrals); otherwise the walk goes on to 0 or ∞.
  auto r = [&](double q) { return length_map(activation, sigma_w2, sigma_b2, q) / q - 1; };
  const double r1 = r(q1);
  if (std::abs(r1) <= kMapNoise) return q1;
  const bool up = r1 > 0;
  double inside = q1, beyond = q1;  // the last step with r on q^1's side, and the first clearly past 0
  for (double step = q1;;) {
    step = up ? step * kGrading : step / kGrading;
    if (up && step > kQMax) return kInf;
    if (!up && step < kQMin) return 0;
    const double rs = r(step);
    if (up ? rs < -kMapNoise : rs > kMapNoise) {
      beyond = step;
      break;
    }
    if (up ? rs > 0 : rs < 0) inside = step;
  }
  // Geometric bisection between inside (r ≥ 0 going up, ≤ 0 going down) and beyond.
  for (int it = 0; it < 200 && std::abs(beyond / inside - 1) > 1e-13; ++it) {
    const double mid = std::sqrt(inside * beyond);
    const double rm = r(mid);
    if (up ? rm > 0 : rm < 0) inside = mid;
    else beyond = mid;
  }
  return std::sqrt(inside * beyond);
}

double correlation_map(const Activation& activation, double sigma_w2, double sigma_b2, double q, double c) {
  check_activation(activation, "correlation_map");
  check_variances(sigma_w2, sigma_b2, "correlation_map");
  if (!(c >= -1 && c <= 1)) throw ValueError(fmt::format("correlation_map: c must be in [-1, 1], got {}", c));
  q = clamp_q(q);
  // Divided by the same rule's q^{l+1} at c = 1, so that c = 1 maps to 1 exactly.
  const double num = sigma_w2 * moments_2d(activation, q, c).phiphi + sigma_b2;
  const double den = sigma_w2 * moments_2d(activation, q, 1.0).phiphi + sigma_b2;
  return num / den;
}

double chi1(const Activation& activation, double sigma_w2, double sigma_b2) {
  const double q_star = length_fixed_point(activation, sigma_w2, sigma_b2, 1.0);
  return sigma_w2 * moments_1d(activation, clamp_q(q_star)).dphi2;
}

MeanFieldResult mean_field(const MeanFieldOptions& o) {
  check_activation(o.activation, "mean_field");
  check_variances(o.sigma_w2, o.sigma_b2, "mean_field");
  if (o.depth < 1 || o.depth > 100000) {
    throw ValueError(fmt::format("mean_field: depth must be in [1, 100000], got {}", o.depth));
  }
  MeanFieldResult res;
  res.q_star = length_fixed_point(o.activation, o.sigma_w2, o.sigma_b2, o.input_q);
  double q = o.sigma_w2 * o.input_q + o.sigma_b2;
  for (int l = 0; l < o.depth; ++l) {
    res.q.push_back(q);
    q = length_map(o.activation, o.sigma_w2, o.sigma_b2, q);
  }

  const double qe = clamp_q(res.q_star);
  const Moments1D m = moments_1d(o.activation, qe);
  res.chi1 = o.sigma_w2 * m.dphi2;
  res.length_slope = o.sigma_w2 * m.stein / (2 * qe);
  res.xi_q = depth_scale(res.length_slope);
  if (std::abs(res.chi1 - 1) <= kCriticalTolerance) res.phase = Phase::kCritical;
  else res.phase = res.chi1 < 1 ? Phase::kOrdered : Phase::kChaotic;

  res.c_star = 1;
  res.chi_c = res.chi1;  // at c = 1 the 2-D integral of φ'φ' is the 1-D one
  if (res.phase == Phase::kChaotic) {
    // g(c) = c^{l+1} − c ≥ 0 at c = −1 (|c^{l+1}| ≤ 1) and < 0 just below c = 1
    // (slope χ₁ > 1 there). Step toward 1 until g is negative, then bisect:
    // the crossing from + to − is the stable fixed point.
    auto g = [&](double c) { return correlation_map(o.activation, o.sigma_w2, o.sigma_b2, qe, c) - c; };
    double lo = -1, hi = 1;
    bool found = false;
    for (int k = 0; k <= 16 && !found; ++k) {
      const double c = k == 0 ? 0.0 : 1 - std::ldexp(1.0, -k);
      if (g(c) < 0) {
        hi = c;
        found = true;
      } else {
        lo = c;
      }
    }
    if (found) {
      for (int it = 0; it < 60 && hi - lo > 1e-12; ++it) {
        const double mid = 0.5 * (lo + hi);
        (g(mid) < 0 ? hi : lo) = mid;
      }
      res.c_star = 0.5 * (lo + hi);
      res.chi_c = o.sigma_w2 * moments_2d(o.activation, qe, res.c_star).dphidphi;
    }
  }
  res.xi_c = depth_scale(res.chi_c);
  res.trainable_depth = 6 * res.xi_c;
  return res;
}

double critical_sigma_w2(const Activation& activation, double sigma_b2) {
  check_activation(activation, "critical_sigma_w2");
  check_variances(1.0, sigma_b2, "critical_sigma_w2");
  auto f = [&](double s) { return chi1(activation, s, sigma_b2) - 1; };
  // Scan [1e−3, 1e4] geometrically for the first rise of χ₁ through 1, then bisect.
  constexpr double kLo = 1e-3, kHi = 1e4;
  constexpr int kSteps = 56;
  const double ratio = std::pow(kHi / kLo, 1.0 / kSteps);
  double lo = kLo;
  if (f(lo) >= 0) return std::numeric_limits<double>::quiet_NaN();
  double hi = 0;
  for (int k = 1; k <= kSteps; ++k) {
    const double s = kLo * std::pow(ratio, k);
    if (f(s) >= 0) {
      hi = s;
      break;
    }
    lo = s;
  }
  if (hi == 0) return std::numeric_limits<double>::quiet_NaN();
  while (hi / lo - 1 > 1e-10) {
    const double mid = std::sqrt(lo * hi);
    (f(mid) >= 0 ? hi : lo) = mid;
  }
  return std::sqrt(lo * hi);
}

std::vector<VarianceMeasurement> measured_preactivation_variance(const MeasureOptions& o) {
  check_activation(o.activation, "measured_preactivation_variance");
  check_variances(o.sigma_w2, o.sigma_b2, "measured_preactivation_variance");
  if (o.depth < 1 || o.depth > 10000) {
    throw ValueError(fmt::format("measured_preactivation_variance: depth must be in [1, 10000], got {}", o.depth));
  }
  if (o.width < 2 || o.batch < 1 || o.width > 16384 || o.width * o.batch > (int64_t{1} << 26)) {
    throw ValueError(fmt::format("measured_preactivation_variance: need 2 <= width <= 16384, batch >= 1 and "
                                 "width·batch <= 2^26; got width {}, batch {}",
                                 o.width, o.batch));
  }
  if (!(o.input_q >= 0) || !std::isfinite(o.input_q)) {
    throw ValueError(fmt::format("measured_preactivation_variance: input q must be >= 0, got {}", o.input_q));
  }
  set_seed(o.seed);
  const Initializer kernel = Initializer::from_config(
      {{"class_name", "RandomNormal"}, {"config", {{"mean", 0.0}, {"stddev", std::sqrt(o.sigma_w2 / o.width)}}}});
  const Initializer bias =
      o.sigma_b2 > 0
          ? Initializer::from_config(
                {{"class_name", "RandomNormal"}, {"config", {{"mean", 0.0}, {"stddev", std::sqrt(o.sigma_b2)}}}})
          : Initializer("zeros");
  Sequential model("mean_field_net");
  model.add(Input(Shape{o.width}));
  for (int l = 0; l < o.depth; ++l) {
    model.add(Dense(o.width, {.activation = o.activation,
                              .kernel_initializer = kernel,
                              .bias_initializer = bias,
                              .name = fmt::format("dense_{}", l + 1)}));
  }
  // x (batch, width) ~ N(0, input_q), from its own named stream under the seed.
  Tensor x(Shape{o.batch, o.width});
  RandomStream::named(o.seed, "mean_field/input").fill_normal(x.values(), 0.0f, static_cast<float>(std::sqrt(o.input_q)));
  model.predict(x, o.batch);

  std::vector<VarianceMeasurement> out;
  std::vector<double> unit(static_cast<size_t>(o.width));
  for (const auto& layer : model.layers()) {
    const auto* dense = dynamic_cast<const Dense*>(layer.get());
    if (dense == nullptr) continue;
    // z (batch, width): per-unit means of z² over the batch, then their mean and spread.
    const Tensor& z = dense->pre_activation();
    std::fill(unit.begin(), unit.end(), 0.0);
    for (int64_t s = 0; s < o.batch; ++s) {
      const float* row = z.data() + s * o.width;
      for (int64_t i = 0; i < o.width; ++i) unit[i] += static_cast<double>(row[i]) * row[i];
    }
    double mean = 0;
    for (double& m : unit) mean += (m /= static_cast<double>(o.batch));
    mean /= static_cast<double>(o.width);
    double ss = 0;
    for (double m : unit) ss += (m - mean) * (m - mean);
    const double sd = std::sqrt(ss / static_cast<double>(o.width - 1));
    out.push_back({mean, sd / std::sqrt(static_cast<double>(o.width))});
  }
  return out;
}

}  // namespace initlab
