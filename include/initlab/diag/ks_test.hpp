// The one-sample Kolmogorov–Smirnov test against a fully specified continuous
// distribution (Kolmogorov 1933; Smirnov 1948):
//
//   D_n = sup_x |F_n(x) − F(x)|,   F_n the sample's empirical CDF,
//
// computed exactly on the sorted sample as max_i max(F(x_i) − i/n, (i+1)/n − F(x_i)).
// P(D_n ≥ d) under H0 uses Kolmogorov's limit Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}
// at Stephens' (1970) small-sample point λ = (√n + 0.12 + 0.11/√n)·d, whose
// error in p is below a few per cent from n = 5 on. The distribution must be
// given exactly (no parameter estimated from the sample), or the test is
// conservative — as when forensics fixes an initializer's bound from the fans.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

namespace initlab {

struct KsResult {
  double statistic = 0;  ///< D_n
  double p_value = 1;    ///< P(D_n ≥ statistic) under H0
  int64_t n = 0;
};

/// D_n and its p-value for `sorted` (ascending, finite) against `cdf`.
KsResult ks_test_sorted(std::span<const double> sorted, const std::function<double(double)>& cdf);

/// P(D_n ≥ d) under H0, as described above; 1 for n = 0 or d <= 0.
double ks_p_value(double d, int64_t n);

}  // namespace initlab
