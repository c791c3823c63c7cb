#include "initlab/init/gain.hpp"

#include <fmt/format.h>

#include <cmath>

#include "initlab/core/error.hpp"

namespace initlab {

double calculate_gain(const std::string& nonlinearity, std::optional<double> param) {
  const std::string& n = nonlinearity;
  if (n == "linear" || n == "conv1d" || n == "conv2d" || n == "conv3d" || n == "conv_transpose1d" ||
      n == "conv_transpose2d" || n == "conv_transpose3d" || n == "sigmoid") {
    return 1.0;
  }
  if (n == "tanh") return 5.0 / 3.0;
  if (n == "relu") return std::sqrt(2.0);
  if (n == "leaky_relu") {
    // PyTorch's default negative slope when no param is given.
    const double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  // Klambauer et al. recommend 'linear' (variance 1/n) for SELU nets; 3/4 is
  // PyTorch's empirical value (PR #50664), kept for compatibility.
  if (n == "selu") return 0.75;
  throw ValueError(fmt::format(
      "calculate_gain: unsupported nonlinearity '{}' (expected one of linear, conv1d, conv2d, "
      "conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, "
      "leaky_relu, selu)",
      nonlinearity));
}

}  // namespace initlab
