#include "initlab/diag/layer_stats.hpp"

#include <algorithm>

namespace initlab {

Histogram make_histogram(std::span<const float> values, double lo, double hi, int bins) {
  Histogram h{lo, hi, std::vector<int64_t>(static_cast<size_t>(std::max(bins, 1)), 0)};
  const double width = (hi - lo) / static_cast<double>(h.counts.size());
  const auto last = static_cast<int64_t>(h.counts.size()) - 1;
  for (float v : values) {
    if (!std::isfinite(v)) continue;
    int64_t b = width > 0 ? static_cast<int64_t>((static_cast<double>(v) - lo) / width) : 0;
    h.counts[static_cast<size_t>(std::clamp<int64_t>(b, 0, last))] += 1;
  }
  return h;
}

}  // namespace initlab
