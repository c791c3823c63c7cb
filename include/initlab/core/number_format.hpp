// Short, readable numbers for tables and one-line descriptions.
#pragma once

#include <string>

namespace initlab {

/// Four decimals with trailing zeros dropped (0.0574, 0.05, 2); scientific
/// notation below 1e-3 or from 1e6 (3.2e-05).
std::string pretty_number(double x);

}  // namespace initlab
