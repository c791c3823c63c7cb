#include <fmt/format.h>

#include <cmath>

#include "builtin_initializers.hpp"
#include "initlab/core/normal_math.hpp"
#include "initlab/core/number_format.hpp"

namespace initlab::detail {

Theory uniform_theory(double lo, double hi) {
  Theory th;
  if (lo == -hi) {
    th.distribution = fmt::format("uniform on [−{0}, {0})", pretty_number(hi));
  } else {
    th.distribution = fmt::format("uniform on [{}, {})", pretty_number(lo), pretty_number(hi));
  }
  th.mean = (lo + hi) / 2;
  th.stddev = (hi - lo) / std::sqrt(12.0);
  th.lo = lo;
  th.hi = hi;
  return th;
}

Theory normal_theory(double mean, double stddev) {
  Theory th;
  th.distribution = mean == 0 ? fmt::format("normal σ={}", pretty_number(stddev))
                              : fmt::format("normal μ={} σ={}", pretty_number(mean), pretty_number(stddev));
  th.mean = mean;
  th.stddev = stddev;
  return th;
}

Theory truncated_theory(double mean, double sigma, double a, double b) {
  Theory th;
  const auto m = truncated_normal_moments(a, b);
  std::string where;
  if (a == -b) {
    where = fmt::format("cut at ±{}", pretty_number(b * sigma));
  } else {
    where = fmt::format("cut to [{}, {}]", pretty_number(mean + a * sigma), pretty_number(mean + b * sigma));
  }
  th.distribution = mean == 0 || a != -b
                        ? fmt::format("truncated normal σ={} {}", pretty_number(sigma), where)
                        : fmt::format("truncated normal μ={} σ={} {}", pretty_number(mean), pretty_number(sigma), where);
  th.mean = mean + sigma * m.mean;
  th.stddev = sigma * m.stddev;
  th.lo = mean + a * sigma;
  th.hi = mean + b * sigma;
  return th;
}

Theory sparse_constant_theory(double value, int64_t count, int64_t total, std::string distribution) {
  Theory th;
  th.distribution = std::move(distribution);
  th.random = false;
  if (total == 0) return th;
  const double frac = static_cast<double>(count) / static_cast<double>(total);
  th.mean = value * frac;
  th.stddev = std::sqrt(std::max(0.0, value * value * frac - th.mean * th.mean));
  th.lo = count < total ? std::min(0.0, value) : value;
  th.hi = count < total ? std::max(0.0, value) : value;
  return th;
}

}  // namespace initlab::detail
