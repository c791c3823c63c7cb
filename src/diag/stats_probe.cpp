#include "initlab/diag/stats_probe.hpp"

#include <algorithm>
#include <cmath>

#include "initlab/core/summary.hpp"
#include "initlab/nn/activation_layer.hpp"
#include "initlab/nn/batch_normalization.hpp"
#include "initlab/nn/conv2d.hpp"
#include "initlab/nn/dense.hpp"

namespace initlab {
namespace {

// The activation of a layer that has one, and its pre-activation when the layer keeps it.
struct Parts {
  const Activation* activation = nullptr;
  const Tensor* pre_activation = nullptr;
  const Tensor* kernel = nullptr;
  const Tensor* kernel_gradient = nullptr;
};

std::optional<Parts> parts_of(const Layer& l) {
  if (const auto* d = dynamic_cast<const Dense*>(&l)) {
    return Parts{&d->activation(), &d->pre_activation(), &d->kernel().value(), &d->gradient(0)};
  }
  if (const auto* c = dynamic_cast<const Conv2D*>(&l)) {
    return Parts{&c->activation(), &c->pre_activation(), &c->kernel().value(), &c->gradient(0)};
  }
  if (const auto* a = dynamic_cast<const ActivationLayer*>(&l)) return Parts{&a->activation(), nullptr, nullptr, nullptr};
  if (dynamic_cast<const BatchNormalization*>(&l) != nullptr) return Parts{};
  return std::nullopt;
}

double stddev_of(std::span<const float> v) { return summarize(v).stddev; }

bool is_relu_like(Activation::Kind k) { return k == Activation::Kind::kRelu; }

// Range of the histogram of a layer's outputs: the activation's own range when bounded.
std::pair<double, double> activation_range(const Activation* act, std::span<const float> v) {
  if (act != nullptr) {
    switch (act->kind()) {
      case Activation::Kind::kSigmoid:
      case Activation::Kind::kSoftmax: return {0.0, 1.0};
      case Activation::Kind::kTanh: return {-1.0, 1.0};
      default: break;
    }
  }
  double lo = 0, hi = 0;
  for (float f : v) {
    if (!std::isfinite(f)) continue;
    lo = std::min(lo, static_cast<double>(f));
    hi = std::max(hi, static_cast<double>(f));
  }
  if (act != nullptr && is_relu_like(act->kind())) return {0.0, hi > 0 ? hi : 1.0};
  const double m = std::max(-lo, hi);
  return m > 0 ? std::make_pair(-m, m) : std::make_pair(-1.0, 1.0);
}

std::pair<double, double> symmetric_range(std::span<const float> v) {
  double m = 0;
  for (float f : v) {
    if (std::isfinite(f)) m = std::max(m, std::abs(static_cast<double>(f)));
  }
  return m > 0 ? std::make_pair(-m, m) : std::make_pair(-1.0, 1.0);
}

std::array<double, 5> percentiles_of(std::span<const float> v) {
  std::vector<float> s(v.begin(), v.end());
  std::array<double, 5> out{};
  if (s.empty()) return out;
  std::sort(s.begin(), s.end());
  const double qs[5] = {0.01, 0.05, 0.5, 0.95, 0.99};
  for (int i = 0; i < 5; ++i) {
    // Linear interpolation between closest ranks (NumPy's default).
    const double pos = qs[i] * static_cast<double>(s.size() - 1);
    const auto lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, s.size() - 1);
    out[static_cast<size_t>(i)] = s[lo] + (pos - static_cast<double>(lo)) * (s[hi] - s[lo]);
  }
  return out;
}

// Fraction of features (last axis) whose value is 0 in every row.
double dead_fraction_of(const Tensor& a) {
  const int64_t units = a.dim(a.rank() - 1), rows = a.size() / units;
  if (units == 0) return 0;
  std::vector<char> alive(static_cast<size_t>(units), 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < units; ++j) alive[static_cast<size_t>(j)] |= a[r * units + j] != 0.0f;
  return static_cast<double>(std::count(alive.begin(), alive.end(), 0)) / static_cast<double>(units);
}

double saturated_fraction_of(Activation::Kind k, std::span<const float> a) {
  if (a.empty()) return 0;
  int64_t n = 0;
  for (float v : a) {
    if (k == Activation::Kind::kTanh) n += std::abs(v) > 0.99f;
    else n += v < 0.01f || v > 0.99f;
  }
  return static_cast<double>(n) / static_cast<double>(a.size());
}

}  // namespace

bool StatsProbe::wants_step(int64_t step) {
  const bool want = step == 0 || (o_.every > 0 && step % o_.every == 0);
  // A step observed but not finished (gradients() has no step end) is kept as it is.
  if (want && !observing_) {
    pending_.clear();
    observing_ = true;
    observed_step_ = step;
  }
  return want;
}

void StatsProbe::on_forward(const Layer& layer, size_t index, const Tensor& output) {
  const auto parts = parts_of(layer);
  if (!parts) return;
  LayerStats s;
  s.index = static_cast<int>(index);
  s.layer = layer.name();
  s.class_name = layer.class_name();
  const auto a = output.values();
  if (parts->activation) s.activation = parts->activation->name();
  const Summary sum = summarize(a);
  s.activation_mean = sum.mean;
  s.activation_std = sum.stddev;
  s.percentiles = percentiles_of(a);
  if (parts->pre_activation) s.pre_activation_std = stddev_of(parts->pre_activation->values());
  if (parts->activation) {
    const auto k = parts->activation->kind();
    if (k == Activation::Kind::kTanh || k == Activation::Kind::kSigmoid) s.saturated_fraction = saturated_fraction_of(k, a);
    if (is_relu_like(k)) s.dead_fraction = dead_fraction_of(output);
  }
  if (parts->kernel) s.weight_std = stddev_of(parts->kernel->values());
  const auto [lo, hi] = activation_range(parts->activation, a);
  s.activations = make_histogram(a, lo, hi, o_.histogram_bins);
  pending_[index] = std::move(s);
}

void StatsProbe::on_backward(const Layer& layer, size_t index, const Tensor& d_output, bool fused) {
  auto it = pending_.find(index);
  if (it == pending_.end()) return;
  LayerStats& s = it->second;
  const auto parts = parts_of(layer);
  Tensor dz = d_output;
  if (!fused && parts && parts->activation && parts->pre_activation &&
      parts->activation->kind() != Activation::Kind::kLinear) {
    // ∂L/∂z = f'(z) ⊙ ∂L/∂a, from the layer's own z and output.
    const Tensor& z = *parts->pre_activation;
    Tensor a(z.shape());
    parts->activation->forward(z, a);
    dz = Tensor(z.shape());
    parts->activation->backward(z, a, d_output, dz);
  }
  s.pre_activation_gradient_std = stddev_of(dz.values());
  if (parts && parts->kernel_gradient) s.weight_gradient_std = stddev_of(parts->kernel_gradient->values());
  const auto [lo, hi] = symmetric_range(dz.values());
  s.gradients = make_histogram(dz.values(), lo, hi, o_.histogram_bins);
}

void StatsProbe::finish(int64_t step) {
  Snapshot snap;
  snap.step = step;
  for (auto& [i, s] : pending_) snap.layers.push_back(std::move(s));
  pending_.clear();
  observing_ = false;
  snapshots_.push_back(std::move(snap));
}

void StatsProbe::on_step_end(Sequential& /*model*/, int64_t step, double /*loss*/) {
  if (observing_ && observed_step_ == step) finish(step);
}

Snapshot StatsProbe::probe(Sequential& model, const Tensor& x, const Tensor& y, StatsProbeOptions options) {
  auto p = std::make_shared<StatsProbe>(StatsProbeOptions{.every = 1, .histogram_bins = options.histogram_bins});
  model.add_probe(p);
  try {
    model.gradients(x, y);
  } catch (...) {
    model.remove_probe(p.get());
    throw;
  }
  model.remove_probe(p.get());
  p->finish(model.steps_trained());
  return p->snapshots().back();
}

}  // namespace initlab
