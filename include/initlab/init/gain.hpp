// PyTorch's torch.nn.init.calculate_gain: the recommended std multiplier for a
// nonlinearity, so that Var(W) = gain² / fan keeps activations at unit scale.
#pragma once

#include <optional>
#include <string>

namespace initlab {

/// linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid → 1; tanh → 5/3;
/// relu → √2; leaky_relu → √(2/(1+s²)) with s = param or 0.01; selu → 3/4.
/// Anything else throws ValueError listing the valid names.
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);

}  // namespace initlab
