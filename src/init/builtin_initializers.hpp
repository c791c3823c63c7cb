// Catalogue entries of the built-in initializer families and the theory
// helpers they share (internal).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "initlab/init/initializer.hpp"
#include "initlab/init/registry.hpp"

namespace initlab::detail {

std::vector<InitializerInfo> constant_initializers();         // zeros, ones, constant, identity, eye, dirac
std::vector<InitializerInfo> random_initializers();           // random_normal/uniform, truncated_normal, trunc_normal
std::vector<InitializerInfo> variance_scaling_initializers(); // variance_scaling, glorot/he/lecun, kaiming/xavier, torch_default
std::vector<InitializerInfo> orthogonal_initializers();       // orthogonal, delta_orthogonal
std::vector<InitializerInfo> sparse_initializers();           // sparse

/// Sets the seed of a freshly built initializer and hands it out as const.
template <class T>
std::shared_ptr<const InitializerImpl> seeded(std::shared_ptr<T> p, std::optional<uint64_t> seed) {
  p->seed = seed;
  return p;
}

/// U[lo, hi).
Theory uniform_theory(double lo, double hi);
/// N(mean, stddev²).
Theory normal_theory(double mean, double stddev);
/// N(mean, sigma²) cut to [mean + a·sigma, mean + b·sigma].
Theory truncated_theory(double mean, double sigma, double a, double b);
/// A tensor holding `count` copies of `value` among `total` elements, zeros elsewhere.
Theory sparse_constant_theory(double value, int64_t count, int64_t total, std::string distribution);

}  // namespace initlab::detail
