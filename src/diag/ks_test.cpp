#include "initlab/diag/ks_test.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace initlab {

double ks_p_value(double d, int64_t n) {
  if (n <= 0 || !(d > 0)) return 1.0;
  if (d >= 1) return 0.0;
  const double sn = std::sqrt(static_cast<double>(n));
  const double lambda = (sn + 0.12 + 0.11 / sn) * d;
  // Small λ: the alternating series converges slowly; the Jacobi-transformed form
  // 1 − Q(λ) = (√(2π)/λ) Σ_{k≥1} e^{−(2k−1)²π²/(8λ²)} converges in a few terms.
  if (lambda < 1.18) {
    const double pi2 = std::numbers::pi * std::numbers::pi;
    double sum = 0;
    for (int k = 1; k <= 20; ++k) {
      const double odd = 2.0 * k - 1.0;
      sum += std::exp(-odd * odd * pi2 / (8.0 * lambda * lambda));
    }
    return std::clamp(1.0 - std::sqrt(2.0 * std::numbers::pi) / lambda * sum, 0.0, 1.0);
  }
  double q = 0;
  for (int k = 1; k <= 100; ++k) {
    const double term = std::exp(-2.0 * k * k * lambda * lambda);
    q += (k % 2 == 1 ? 2.0 : -2.0) * term;
    if (term < 1e-300) break;
  }
  return std::clamp(q, 0.0, 1.0);
}

KsResult ks_test_sorted(std::span<const double> sorted, const std::function<double(double)>& cdf) {
  KsResult r;
  r.n = static_cast<int64_t>(sorted.size());
  if (r.n == 0) return r;
  const double n = static_cast<double>(r.n);
  double d = 0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    const double f = std::clamp(cdf(sorted[i]), 0.0, 1.0);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  r.statistic = d;
  r.p_value = ks_p_value(d, r.n);
  return r;
}

}  // namespace initlab
