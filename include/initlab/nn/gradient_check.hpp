// Finite-difference gradient checking, for layers, activations, losses and
// whole models: compares analytic gradients with central differences
// (f(x + h) − f(x − h)) / 2h computed in double from float evaluations.
#pragma once

#include <functional>
#include <string>

#include "initlab/core/tensor.hpp"

namespace initlab {

struct GradientCheckOptions {
  double step = 1e-3;            ///< h, relative to max(1, |x_i|)
  double relative_tolerance = 2e-2;
  double absolute_tolerance = 1e-4;
  int64_t max_elements = 200;    ///< checks every element when the tensor is smaller, else an even sample
};

struct GradientCheckResult {
  bool ok = true;
  double max_abs_error = 0;
  double max_rel_error = 0;
  int64_t worst_index = -1;
  double worst_analytic = 0, worst_numeric = 0;
  int64_t checked = 0;
  /// One line: "ok: 120 elements, max rel error 3e-4" or the worst mismatch.
  std::string message;
};

/// f(x) must return a scalar; `analytic` is df/dx at x. x is perturbed in place
/// and restored.
GradientCheckResult check_gradient(const std::function<double()>& f, Tensor& x, const Tensor& analytic,
                                   const GradientCheckOptions& options = {});

}  // namespace initlab
