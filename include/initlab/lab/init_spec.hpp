// An initializer as `initlab lab --init` names it: a Keras id or class name
// ("he_normal", "HeNormal"), a Keras JSON config, or the lab's shorthand for a
// scale, id(value):
//
//   random_normal(0.05), truncated_normal(0.05)   stddev
//   random_uniform(0.05)                          minval = -0.05, maxval = 0.05
//   constant(0.5)                                 value
//   orthogonal(1.0), identity(1.0)                gain
//   variance_scaling(2.0)                         scale
#pragma once

#include <string>

#include "initlab/init/initializer.hpp"

namespace initlab {

/// Parses one --init item. The value in id(value) is read exactly: a finite
/// decimal number that float32 represents, nothing after it ("0.05.1" and
/// "1e400" are errors, not 0.05 and infinity). Throws ValueError or ConfigError
/// quoting at most a short excerpt of the text.
Initializer parse_initializer(const std::string& spec);

}  // namespace initlab
