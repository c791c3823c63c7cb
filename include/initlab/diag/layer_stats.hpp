// What a probe records about one layer on one batch: the statistics that show
// what initialization does to the signal going forward and the gradient going
// back.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace initlab {

/// Counts in `counts.size()` equal bins over [lo, hi]; values outside are
/// counted in the first or last bin.
struct Histogram {
  double lo = 0, hi = 0;
  std::vector<int64_t> counts;
};

/// A histogram of `values` with `bins` bins over [lo, hi].
Histogram make_histogram(std::span<const float> values, double lo, double hi, int bins);

inline constexpr double kNotApplicable = std::numeric_limits<double>::quiet_NaN();

struct LayerStats {
  int index = 0;               ///< position in the model
  std::string layer;           ///< "dense_3"
  std::string class_name;      ///< "Dense"
  std::string activation;      ///< "relu"; empty for layers without one
  // Forward, on the probed batch: the layer's output a = f(z).
  double activation_mean = 0;
  double activation_std = 0;
  std::array<double, 5> percentiles{};  ///< of a: 1st, 5th, 50th, 95th, 99th
  double pre_activation_std = kNotApplicable;  ///< of z, for layers with an activation
  /// |tanh| > 0.99, or sigmoid < 0.01 or > 0.99; NaN for other activations.
  double saturated_fraction = kNotApplicable;
  /// Units (features) whose ReLU output is 0 for the whole batch; NaN for non-ReLU layers.
  double dead_fraction = kNotApplicable;
  // Backward (NaN until a backward pass was observed).
  double pre_activation_gradient_std = kNotApplicable;  ///< std of ∂L/∂z (∂L/∂a for layers without one)
  double weight_gradient_std = kNotApplicable;         ///< std of ∂L/∂kernel
  double weight_std = kNotApplicable;                  ///< std of the kernel
  Histogram activations;  ///< of a
  Histogram gradients;    ///< of ∂L/∂z
};

/// Every probed layer at one training step (0: at initialization).
struct Snapshot {
  int64_t step = 0;
  std::vector<LayerStats> layers;
};

}  // namespace initlab
