// The coffee-roasting data set of the classic Keras lab: roasts described by
// temperature (°C) and duration (minutes), labelled good (1) or bad (0).
#pragma once

#include <cstdint>

#include "initlab/core/tensor.hpp"

namespace initlab {

struct CoffeeData {
  Tensor x;  ///< (n, 2): temperature in [150, 285), duration in [11.5, 15.5)
  Tensor y;  ///< (n, 1): 1 for a good roast
};

/// True when 175 < t < 260, 12 < d < 15 and d <= −3/85·t + 21.
bool good_roast(double temperature, double duration);

/// n roasts drawn uniformly from the stream "data/coffee" of `seed`.
CoffeeData coffee_roasts(int64_t n = 200, uint64_t seed = 2);

}  // namespace initlab
