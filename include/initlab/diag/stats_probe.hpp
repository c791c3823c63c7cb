// StatsProbe: records LayerStats for every Dense, Conv2D, Activation and
// BatchNormalization layer on the training batch, at initialization (step 0)
// and every `every` steps.
//
//   auto probe = std::make_shared<initlab::StatsProbe>(initlab::StatsProbeOptions{.every = 100});
//   model.add_probe(probe);
//   model.fit(x, y, {...});
//   for (const auto& snap : probe->snapshots()) ...
//
// Or once, without training: StatsProbe::probe(model, x_batch, y_batch).
#pragma once

#include <map>
#include <vector>

#include "initlab/diag/layer_stats.hpp"
#include "initlab/nn/probe.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

struct StatsProbeOptions {
  int64_t every = 0;       ///< record every this many steps (0: step 0 only)
  int histogram_bins = 41;
};

class StatsProbe : public Probe {
 public:
  explicit StatsProbe(StatsProbeOptions options = {}) : o_(options) {}

  bool wants_step(int64_t step) override;
  void on_forward(const Layer& layer, size_t index, const Tensor& output) override;
  void on_backward(const Layer& layer, size_t index, const Tensor& d_output, bool fused) override;
  void on_step_end(Sequential& model, int64_t step, double loss) override;

  const std::vector<Snapshot>& snapshots() const { return snapshots_; }

  /// One forward and backward pass on (x, y) in training mode (no update):
  /// the statistics of every probed layer.
  static Snapshot probe(Sequential& model, const Tensor& x, const Tensor& y, StatsProbeOptions options = {});

 private:
  void finish(int64_t step);

  StatsProbeOptions o_;
  std::map<size_t, LayerStats> pending_;  // by layer index, for the step being observed
  bool observing_ = false;
  int64_t observed_step_ = -1;
  std::vector<Snapshot> snapshots_;
};

}  // namespace initlab
