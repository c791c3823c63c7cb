// LSUV, layer-sequential unit-variance initialization (Mishkin & Matas 2016,
// "All you need is a good init"): a data-dependent initializer.
//
//   1. pre-initialize every kernel with orthonormal columns (orthogonal);
//   2. for each weighted layer in order (Dense, Conv2D), forward a calibration
//      batch and rescale the kernel, W ← W / √Var(z), until the variance of the
//      layer's output z = x·W + b is within `tolerance` of 1, at most
//      `max_iterations` times.
//
// Biases are left as they are (zeros by default).
#pragma once

#include <string>
#include <vector>

#include "initlab/nn/sequential.hpp"

namespace initlab {

struct LsuvOptions {
  double tolerance = 0.1;      ///< |Var(z) − target| < tolerance stops a layer
  int max_iterations = 10;     ///< rescalings per layer at most
  double target_variance = 1.0;
  bool orthonormal = true;     ///< pre-initialize with orthogonal (false: keep the current kernels)
};

struct LsuvLayerReport {
  std::string layer;
  int iterations = 0;          ///< rescalings applied
  double initial_variance = 0; ///< of z before any rescaling (after the orthonormal start)
  double final_variance = 0;
  bool converged = false;      ///< within tolerance
};

/// Initializes `model`'s kernels in place from the calibration inputs x (N, ...).
/// Builds the model when needed. Throws ValueError when a layer's output has
/// zero variance (nothing to rescale).
std::vector<LsuvLayerReport> lsuv_initialize(Sequential& model, const Tensor& x, const LsuvOptions& options = {});

}  // namespace initlab
