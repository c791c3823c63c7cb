// Helpers shared by the test suites.
#pragma once

#include <functional>
#include <string>

#include "initlab/core/error.hpp"
#include "initlab/core/random_stream.hpp"
#include "initlab/core/tensor.hpp"

namespace initlab::testing {

/// The message of the initlab::Error that f throws, or "(no error)".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

/// A tensor of U[lo, hi) values from stream (seed, stream).
inline Tensor random_tensor(const Shape& s, uint64_t seed, float lo = -1.0f, float hi = 1.0f, uint64_t stream = 3) {
  Tensor t(s);
  RandomStream(seed, stream).fill_uniform(t.values(), lo, hi);
  return t;
}

/// Σ a ⊙ b in double: the scalar that gradient checks differentiate.
inline double dot(const Tensor& a, const Tensor& b) {
  double s = 0;
  for (int64_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

}  // namespace initlab::testing
