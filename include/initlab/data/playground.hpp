// TensorFlow Playground's 2-D data sets, with its exact semantics
// (tensorflow/playground dataset.ts): points in [−6, 6]², classification
// labels ±1, regression targets about [−1, 1] (reg-plane, unclamped, reaches ±1.2).
//
//   circle     n/2 points with radius U(0, 2.5), n/2 with radius U(3.5, 5), uniform angle;
//              label +1 when the point shifted by noise U(−5, 5)·noise lies within 2.5 of
//              the origin (noise flips labels near the boundary, it does not move points)
//   xor        x, y ~ U(−5, 5) pushed 0.3 away from the axes; +1 when (x+nx)(y+ny) >= 0
//   gauss      n/2 points N((2, 2), v) labelled +1, n/2 N((−2, −2), v) labelled −1,
//              variance v = 0.5 + 7·noise (noise 0 → 0.5, noise 0.5 → 4)
//   spiral     two arms: r = 5i/(n/2), t = 1.75·2π·i/(n/2) + Δ (Δ = 0: +1, π: −1),
//              (r sin t, r cos t) + U(−1, 1)·noise (noise moves the points)
//   reg-plane  x, y ~ U(−6, 6); target (x + nx + y + ny)/10, noise U(−6, 6)·noise
//   reg-gauss  x, y ~ U(−6, 6); six bumps of height ±1 and radius 2; the target is the
//              bump value of largest magnitude at the noise-shifted point
//
// noise is Playground's slider divided by 100 (0 to 0.5). Samples are
// shuffled once, then split; everything is drawn from the stream
// "data/playground/<name>" of `seed`.
#pragma once

#include <string>
#include <vector>

#include "initlab/core/tensor.hpp"

namespace initlab {

struct PlaygroundSet {
  Tensor x;  ///< (n, 2)
  Tensor y;  ///< (n, 1): ±1 (classification) or the regression target
};

struct PlaygroundData {
  PlaygroundSet train, test;
  bool classification = true;
};

struct PlaygroundOptions {
  int64_t samples = 0;          ///< 0: Playground's count (500 classification, 1200 regression)
  double noise = 0.0;           ///< 0 to 0.5
  double train_fraction = 0.5;  ///< Playground's default ratio, 50 %
  uint64_t seed = 0;
};

/// circle, xor, gauss, spiral, reg-plane, reg-gauss.
std::vector<std::string> playground_dataset_names();
/// Throws ValueError for an unknown name (listing the valid ones) or bad options.
PlaygroundData playground_dataset(const std::string& name, const PlaygroundOptions& options = {});

}  // namespace initlab
