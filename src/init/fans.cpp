#include "initlab/init/fans.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "initlab/core/error.hpp"

namespace initlab {

Fans compute_fans(const Shape& shape) {
  switch (shape.rank()) {
    case 0:
      return {1, 1};
    case 1:
      return {shape[0], shape[0]};
    case 2:
      return {shape[0], shape[1]};
    default: {
      int64_t receptive_field = 1;
      for (int i = 0; i < shape.rank() - 2; ++i) receptive_field *= shape[i];
      return {shape[-2] * receptive_field, shape[-1] * receptive_field};
    }
  }
}

Fans compute_fans(const Shape& shape, std::span<const int> input_axes,
                  std::span<const int> output_axes) {
  std::vector<bool> used(static_cast<size_t>(shape.rank()), false);
  auto product = [&](std::span<const int> axes, const char* which) {
    if (axes.empty()) {
      throw ValueError(fmt::format("fans of {}: {} is empty (expected at least one axis)",
                                   shape.str(), which));
    }
    int64_t p = 1;
    for (int a : axes) {
      const int j = a < 0 ? a + shape.rank() : a;
      if (j < 0 || j >= shape.rank()) {
        throw ValueError(fmt::format("fans of {}: {} names axis {}, but the rank is {}",
                                     shape.str(), which, a, shape.rank()));
      }
      if (used[static_cast<size_t>(j)]) {
        throw ValueError(fmt::format("fans of {}: axis {} appears twice in input_axes/output_axes",
                                     shape.str(), a));
      }
      used[static_cast<size_t>(j)] = true;
      p *= shape[j];
    }
    return p;
  };
  const int64_t fan_in = product(input_axes, "input_axes");
  const int64_t fan_out = product(output_axes, "output_axes");
  return {fan_in, fan_out};
}

FanMode parse_fan_mode(const std::string& text) {
  std::string t = text;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t == "fan_in") return FanMode::kFanIn;
  if (t == "fan_out") return FanMode::kFanOut;
  if (t == "fan_avg") return FanMode::kFanAvg;
  throw ValueError(fmt::format("mode '{}': expected one of fan_in, fan_out, fan_avg", text));
}

std::string to_string(FanMode mode) {
  switch (mode) {
    case FanMode::kFanIn:
      return "fan_in";
    case FanMode::kFanOut:
      return "fan_out";
    case FanMode::kFanAvg:
      return "fan_avg";
  }
  return "?";
}

double fan_for_mode(const Fans& fans, FanMode mode) {
  double n = 0;
  switch (mode) {
    case FanMode::kFanIn:
      n = static_cast<double>(fans.fan_in);
      break;
    case FanMode::kFanOut:
      n = static_cast<double>(fans.fan_out);
      break;
    case FanMode::kFanAvg:
      n = (static_cast<double>(fans.fan_in) + static_cast<double>(fans.fan_out)) / 2.0;
      break;
  }
  return std::max(1.0, n);
}

}  // namespace initlab
