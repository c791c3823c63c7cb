// Summary statistics of a set of floats, accumulated in double.
#pragma once

#include <cstdint>
#include <span>

namespace initlab {

struct Summary {
  int64_t count = 0;
  double mean = 0;
  double stddev = 0;  ///< population std (divides by count)
  double min = 0;
  double max = 0;
};

/// One sequential pass (Welford), so the result does not depend on threads.
Summary summarize(std::span<const float> values);

}  // namespace initlab
