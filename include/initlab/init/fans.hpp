// Fan-in and fan-out of a weight tensor: the ONE place initlab decides them.
//
// Keras's rule (keras/src/initializers/random_initializers.py, compute_fans),
// for kernels laid out as Dense (in, out) and Conv (kh, kw, in, out):
//
//   rank 0      fan_in = fan_out = 1
//   rank 1      fan_in = fan_out = shape[0]
//   rank 2      fan_in = shape[0],          fan_out = shape[1]
//   rank >= 3   fan_in = shape[-2] · rf,    fan_out = shape[-1] · rf,   rf = ∏ shape[:-2]
//
// The PyTorch-named initializers use the same rule on initlab's layout, so
// kaiming_uniform on a Dense kernel (in, out) uses fan_in = in, exactly as
// torch does on its (out, in) weight.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "initlab/core/shape.hpp"

namespace initlab {

struct Fans {
  int64_t fan_in = 1;
  int64_t fan_out = 1;
  friend bool operator==(const Fans&, const Fans&) = default;
};

/// Keras's rank rule above.
Fans compute_fans(const Shape& shape);

/// Explicit axes (Keras >= 3.15): fan_in = ∏ shape[input_axes],
/// fan_out = ∏ shape[output_axes]; no receptive-field factor. Negative axes
/// count from the end. Throws ValueError on an axis out of range or repeated.
Fans compute_fans(const Shape& shape, std::span<const int> input_axes,
                  std::span<const int> output_axes);

/// Which fan a variance-scaling rule divides by.
enum class FanMode { kFanIn, kFanOut, kFanAvg };

/// "fan_in" | "fan_out" | "fan_avg" (case-insensitive); throws ValueError otherwise.
FanMode parse_fan_mode(const std::string& text);
std::string to_string(FanMode mode);

/// max(1, fan) for the mode, as Keras: fan_avg = (fan_in + fan_out) / 2.
double fan_for_mode(const Fans& fans, FanMode mode);

}  // namespace initlab
