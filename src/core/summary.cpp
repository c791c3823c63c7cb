#include "initlab/core/summary.hpp"

#include <algorithm>
#include <cmath>

namespace initlab {

Summary summarize(std::span<const float> values) {
  Summary s;
  if (values.empty()) return s;
  double mean = 0, m2 = 0;
  double lo = values[0], hi = values[0];
  int64_t n = 0;
  for (float v : values) {
    ++n;
    const double d = v - mean;
    mean += d / static_cast<double>(n);
    m2 += d * (v - mean);
    lo = std::min<double>(lo, v);
    hi = std::max<double>(hi, v);
  }
  s.count = n;
  s.mean = mean;
  s.stddev = std::sqrt(m2 / static_cast<double>(n));
  s.min = lo;
  s.max = hi;
  return s;
}

}  // namespace initlab
