#include "init_families.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "initlab/core/blas.hpp"
#include "initlab/core/normal_math.hpp"
#include "initlab/core/number_format.hpp"
#include "initlab/diag/ks_test.hpp"

namespace initlab::detail {
namespace {

// A uniform draw lies in [−b, b) with b rounded to float32, so a value may sit
// one float32 ulp beyond the bound computed in double; anything further is
// not from the distribution.
constexpr double kBoundSlack = 1e-6;

// Gram products beyond this many multiply-adds are not formed (a 3×3×512×512
// kernel takes 1.2e9): orthogonality is then not tested.
constexpr double kMaxGramWork = 1.5e9;

Initializer from(const char* id, nlohmann::json config = nlohmann::json::object()) {
  return Initializer::from_config(nlohmann::json{{"class_name", id}, {"config", std::move(config)}});
}

// The pre-truncation σ of a truncated normal symmetric about its mean, from
// its support [lo, hi] and realised std: σ·std_of_N(0,1)_cut_to_[(lo−μ)/σ, (hi−μ)/σ]
// grows with σ, so bisection (in log σ) finds it.
double truncation_sigma(double lo, double hi, double realised_std) {
  const double half = (hi - lo) / 2;
  double a = realised_std * 1e-3, b = realised_std * 1e3;
  for (int i = 0; i < 200; ++i) {
    const double s = std::sqrt(a * b);
    const double got = s * truncated_normal_moments(-half / s, half / s).stddev;
    (got < realised_std ? a : b) = s;
  }
  return std::sqrt(a * b);
}

InitMatch orthogonality(const InitFamily& family, const Tensor& values) {
  InitMatch m;
  m.initializer = family.label;
  m.test = "orthogonality";
  const int64_t cols = values.dim(values.rank() - 1);
  const int64_t rows = cols == 0 ? 0 : values.size() / cols;
  const int64_t small = std::min(rows, cols), large = std::max(rows, cols);
  if (small < 2) {
    // One row or column is always "orthonormal" up to its norm: no evidence either way.
    m.detail = fmt::format("not tested: a ({}, {}) matrix has no orthogonality to check", rows, cols);
    return m;
  }
  if (static_cast<double>(small) * static_cast<double>(small) * static_cast<double>(large) > kMaxGramWork) {
    m.detail = fmt::format("not tested: the {}×{} Gram matrix of a ({}, {}) matrix is too costly", small, small, rows,
                           cols);
    return m;
  }
  // G = WᵀW (tall: orthonormal columns) or WWᵀ (wide: orthonormal rows), W (rows, cols).
  std::vector<float> g(static_cast<size_t>(small * small));
  if (rows >= cols) {
    gemm(true, false, cols, cols, rows, 1.0f, values.data(), cols, values.data(), cols, 0.0f, g.data(), cols);
  } else {
    gemm(false, true, rows, rows, cols, 1.0f, values.data(), cols, values.data(), cols, 0.0f, g.data(), rows);
  }
  double diag = 0;
  for (int64_t i = 0; i < small; ++i) diag += g[static_cast<size_t>(i * small + i)];
  const double gain2 = diag / static_cast<double>(small);
  if (!(gain2 > 0) || !std::isfinite(gain2)) {
    m.detail = "no orthogonal structure (zero norm)";
    return m;
  }
  double dev = 0;
  for (int64_t i = 0; i < small; ++i) {
    for (int64_t j = 0; j < small; ++j) {
      const double want = i == j ? 1.0 : 0.0;
      dev = std::max(dev, std::abs(g[static_cast<size_t>(i * small + j)] / gain2 - want));
    }
  }
  // float32 rounding of Q and of the float product: ~1e-6·√large; a random
  // matrix's off-diagonal Gram entries are ~1/√large, far above this cut.
  const double tol = std::min(1e-3, 0.05 / std::sqrt(static_cast<double>(large)));
  m.consistent = dev <= tol;
  m.p_value = m.consistent ? 1.0 : 0.0;
  m.detail = fmt::format("gain {}, max |{}/g² − I| = {}{}", pretty_number(std::sqrt(gain2)),
                         rows >= cols ? "WᵀW" : "WWᵀ", pretty_number(dev),
                         m.consistent ? "" : fmt::format(" (orthogonal within {})", pretty_number(tol)));
  return m;
}

}  // namespace

const std::vector<InitFamily>& kernel_families() {
  using S = FamilyShape;
  static const std::vector<InitFamily> families = [] {
    std::vector<InitFamily> f;
    f.push_back({"glorot_uniform", from("glorot_uniform"), S::kUniform});
    f.push_back({"glorot_normal", from("glorot_normal"), S::kTruncatedNormal});
    f.push_back({"he_uniform", from("he_uniform"), S::kUniform});
    f.push_back({"he_normal", from("he_normal"), S::kTruncatedNormal});
    f.push_back({"lecun_uniform", from("lecun_uniform"), S::kUniform});
    f.push_back({"lecun_normal", from("lecun_normal"), S::kTruncatedNormal});
    f.push_back({"variance_scaling (lecun, untruncated_normal)",
                 from("variance_scaling", {{"distribution", "untruncated_normal"}}), S::kNormal});
    f.push_back({"random_normal", from("random_normal"), S::kNormal});
    f.push_back({"random_uniform", from("random_uniform"), S::kUniform});
    f.push_back({"truncated_normal", from("truncated_normal"), S::kTruncatedNormal});
    f.push_back({"orthogonal", from("orthogonal"), S::kOrthogonal});
    f.push_back({"xavier_uniform", from("xavier_uniform"), S::kUniform});
    f.push_back({"xavier_normal", from("xavier_normal"), S::kNormal});
    f.push_back({"kaiming_uniform", from("kaiming_uniform"), S::kUniform});
    f.push_back({"kaiming_normal", from("kaiming_normal"), S::kNormal});
    f.push_back({"kaiming_uniform (mode fan_out)", from("kaiming_uniform", {{"mode", "fan_out"}}), S::kUniform});
    f.push_back({"kaiming_normal (mode fan_out)", from("kaiming_normal", {{"mode", "fan_out"}}), S::kNormal});
    f.push_back({"torch_default", from("torch_default"), S::kUniform});
    f.push_back({"trunc_normal", from("trunc_normal"), S::kTruncatedNormal});
    f.push_back({"trunc_normal (std 0.02)", from("trunc_normal", {{"std", 0.02}}), S::kTruncatedNormal});
    return f;
  }();
  return families;
}

const InitFamily& torch_default_family() {
  static const InitFamily family{"torch_default", from("torch_default"), FamilyShape::kUniform};
  return family;
}

std::string p_text(double p) {
  if (p <= 0) return "p < 1e-300";
  if (p >= 0.01) return fmt::format("p = {:.2f}", p);
  return fmt::format("p = {:.1e}", p);
}

InitMatch test_family(const InitFamily& family, const Tensor& values, std::span<const double> sample,
                      const Fans& fans, double alpha) {
  if (family.shape == FamilyShape::kOrthogonal) return orthogonality(family, values);
  InitMatch m;
  m.initializer = family.label;
  m.fans = fans;
  const Theory th = family.init.theory(values.shape(), fans);
  std::function<double(double)> cdf;
  std::string what;
  std::optional<double> lo = th.lo, hi = th.hi;
  switch (family.shape) {
    case FamilyShape::kUniform: {
      const double a = *lo, b = *hi;
      cdf = [a, b](double x) { return (x - a) / (b - a); };
      what = a == -b ? fmt::format("bounds ±{}", pretty_number(b)) : th.distribution;
      break;
    }
    case FamilyShape::kNormal: {
      const double mu = th.mean, sigma = th.stddev;
      cdf = [mu, sigma](double x) { return normal_cdf((x - mu) / sigma); };
      what = fmt::format("σ {}", pretty_number(sigma));
      break;
    }
    case FamilyShape::kTruncatedNormal: {
      const double mu = (*lo + *hi) / 2;
      const double sigma = truncation_sigma(*lo, *hi, th.stddev);
      const double fa = normal_cdf((*lo - mu) / sigma), fb = normal_cdf((*hi - mu) / sigma);
      cdf = [=](double x) { return (normal_cdf((x - mu) / sigma) - fa) / (fb - fa); };
      what = fmt::format("σ {} cut at ±{}", pretty_number(sigma), pretty_number((*hi - *lo) / 2));
      break;
    }
    case FamilyShape::kOrthogonal:
      break;
  }
  // Values outside the support: impossible under the family, whatever the KS test says.
  if (lo && hi) {
    const double slack = kBoundSlack * std::max(std::abs(*lo), std::abs(*hi));
    int64_t beyond = 0;
    for (float v : values.values()) beyond += (v < *lo - slack || v > *hi + slack) ? 1 : 0;
    if (beyond > 0) {
      m.test = "bound";
      m.p_value = 0;
      m.detail = fmt::format("{} value{} beyond {}", beyond, beyond == 1 ? "" : "s",
                             *lo == -*hi ? fmt::format("±{}", pretty_number(*hi)) : th.distribution);
      return m;
    }
  }
  const KsResult ks = ks_test_sorted(sample, cdf);
  m.test = "KS";
  m.p_value = ks.p_value;
  m.consistent = ks.p_value >= alpha;
  m.detail = fmt::format("{}, KS {}", what, p_text(ks.p_value));
  return m;
}

std::optional<InitMatch> constant_match(const Tensor& values) {
  if (values.size() == 0) return std::nullopt;
  const float first = values[0];
  for (float v : values.values()) {
    if (!(v == first)) return std::nullopt;
  }
  InitMatch m;
  m.test = "exact";
  m.p_value = 1;
  m.consistent = true;
  m.initializer = first == 0 ? "zeros" : first == 1 ? "ones" : fmt::format("constant {}", pretty_number(first));
  m.detail = fmt::format("all {} values equal {}", values.size(), pretty_number(first));
  return m;
}

}  // namespace initlab::detail
