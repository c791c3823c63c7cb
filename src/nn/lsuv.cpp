#include "initlab/nn/lsuv.hpp"

#include <fmt/format.h>

#include <cmath>

#include "initlab/core/error.hpp"
#include "initlab/core/summary.hpp"
#include "initlab/nn/conv2d.hpp"
#include "initlab/nn/dense.hpp"

namespace initlab {
namespace {

// The kernel and the pre-activation of a weighted layer.
struct Weighted {
  Variable* kernel = nullptr;
  const Tensor* z = nullptr;
};

std::optional<Weighted> weighted(Layer& l) {
  if (auto* d = dynamic_cast<Dense*>(&l)) return Weighted{&d->kernel(), &d->pre_activation()};
  if (auto* c = dynamic_cast<Conv2D*>(&l)) return Weighted{&c->kernel(), &c->pre_activation()};
  return std::nullopt;
}

}  // namespace

std::vector<LsuvLayerReport> lsuv_initialize(Sequential& model, const Tensor& x, const LsuvOptions& o) {
  if (!(o.tolerance > 0 && std::isfinite(o.tolerance))) {
    throw ValueError(fmt::format("lsuv: tolerance must be > 0 and finite, got {}", o.tolerance));
  }
  if (o.max_iterations < 0) throw ValueError(fmt::format("lsuv: max_iterations must be >= 0, got {}", o.max_iterations));
  if (!(o.target_variance > 0 && std::isfinite(o.target_variance))) {
    throw ValueError(fmt::format("lsuv: target_variance must be > 0 and finite, got {}", o.target_variance));
  }
  if (x.rank() < 1 || x.dim(0) < 2) {
    throw ValueError(fmt::format("lsuv: the calibration batch needs at least 2 samples, got shape {}", x.shape().str()));
  }
  if (!model.built()) {
    std::vector<int64_t> d(x.shape().dims().begin() + 1, x.shape().dims().end());
    model.build(model.input_shape() ? *model.input_shape() : Shape(d));
  }
  const Initializer orthogonal("orthogonal");
  std::vector<LsuvLayerReport> reports;
  const auto& layers = model.layers();
  Tensor h = x;  // the input of layer i, in inference mode
  for (size_t i = 0; i < layers.size(); ++i) {
    Layer& l = *layers[i];
    const auto w = weighted(l);
    if (!w) {
      h = l.forward(h, false);
      continue;
    }
    Variable& k = *w->kernel;
    if (o.orthonormal) {
      Tensor t(k.shape());
      orthogonal.fill(t, InitContext{k.name(), std::nullopt});
      k.assign(t);
    }
    LsuvLayerReport r{l.name()};
    Tensor out = l.forward(h, false);
    double var = summarize(w->z->values()).stddev;
    var *= var;
    r.initial_variance = var;
    while (std::abs(var - o.target_variance) >= o.tolerance && r.iterations < o.max_iterations) {
      if (!(var > 0) || !std::isfinite(var)) {
        throw ValueError(fmt::format("lsuv: layer '{}' has output variance {} on the calibration batch; it cannot be "
                                     "rescaled to {}",
                                     l.name(), var, o.target_variance));
      }
      const auto scale = static_cast<float>(std::sqrt(o.target_variance / var));
      Tensor t = k.value().clone();
      for (float& v : t.values()) v *= scale;
      k.assign(t);
      out = l.forward(h, false);
      var = summarize(w->z->values()).stddev;
      var *= var;
      ++r.iterations;
    }
    r.final_variance = var;
    r.converged = std::abs(var - o.target_variance) < o.tolerance;
    reports.push_back(r);
    h = out;
  }
  return reports;
}

}  // namespace initlab
