#include "initlab/data/coffee.hpp"

#include <fmt/format.h>

#include "initlab/core/error.hpp"
#include "initlab/core/random_stream.hpp"

namespace initlab {

bool good_roast(double t, double d) {
  // The lab's boundary line through (175, 15) and (260, 12): d = −3/85·t + 21.
  const double line = -3.0 / (260.0 - 175.0) * t + 21.0;
  return t > 175 && t < 260 && d > 12 && d < 15 && d <= line;
}

CoffeeData coffee_roasts(int64_t n, uint64_t seed) {
  if (n < 1) throw ValueError(fmt::format("coffee_roasts: n must be >= 1, got {}", n));
  CoffeeData data{Tensor(Shape{n, 2}), Tensor(Shape{n, 1})};
  Tensor u(Shape{n, 2});
  RandomStream::named(seed, "data/coffee").fill_uniform(u.values());
  for (int64_t i = 0; i < n; ++i) {
    const float t = 150.0f + u[2 * i] * (285.0f - 150.0f);
    const float d = 11.5f + u[2 * i + 1] * 4.0f;
    data.x[2 * i] = t;
    data.x[2 * i + 1] = d;
    data.y[i] = good_roast(t, d) ? 1.0f : 0.0f;
  }
  return data;
}

}  // namespace initlab
