#include "initlab/diag/advisor.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>

#include "initlab/core/error.hpp"
#include "initlab/nn/activation_layer.hpp"
#include "initlab/nn/batch_normalization.hpp"
#include "initlab/nn/conv2d.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {
namespace {

// A layer with a kernel, and the activation that follows its linear part.
// Everything comes from the layer's weight specs (shape and initializer): the
// advisor never needs the weights themselves, so the model is never built.
struct Weighted {
  std::string layer;
  Shape kernel_shape;
  Initializer init;
  Activation::Kind activation;
  std::string activation_name;
  Fans fans;
};

std::optional<WeightSpec> kernel_spec(const Layer& l, const Shape& input_shape) {
  for (auto& spec : l.weight_specs(input_shape)) {
    if (spec.name == "kernel") return spec;
  }
  return std::nullopt;
}

std::vector<Weighted> weighted_layers(const Sequential& model, const std::vector<Shape>& shapes) {
  std::vector<Weighted> out;
  const auto& layers = model.layers();
  for (size_t i = 0; i < layers.size(); ++i) {
    const Activation* act = nullptr;
    if (const auto* d = dynamic_cast<const Dense*>(layers[i].get())) {
      act = &d->activation();
    } else if (const auto* c = dynamic_cast<const Conv2D*>(layers[i].get())) {
      act = &c->activation();
    } else {
      continue;
    }
    auto kernel = kernel_spec(*layers[i], shapes[i]);
    if (!kernel) continue;
    Activation effective = *act;
    // A linear layer followed (past normalization or dropout) by an Activation layer.
    for (size_t j = i + 1; effective.kind() == Activation::Kind::kLinear && j < layers.size(); ++j) {
      if (const auto* a = dynamic_cast<const ActivationLayer*>(layers[j].get())) {
        effective = a->activation();
        break;
      }
      if (dynamic_cast<const BatchNormalization*>(layers[j].get()) == nullptr &&
          !layers[j]->weight_specs(shapes[j]).empty()) {
        break;
      }
    }
    const Fans fans = kernel->initializer.impl().fans_for(kernel->shape);
    out.push_back({layers[i]->name(), kernel->shape, kernel->initializer, effective.kind(), effective.name(), fans});
  }
  return out;
}

bool saturating(Activation::Kind k) { return k == Activation::Kind::kTanh || k == Activation::Kind::kSigmoid; }

std::string layers_text(const std::vector<std::string>& names) {
  if (names.size() <= 4) return fmt::format("'{}'", fmt::join(names, "', '"));
  return fmt::format("'{}', '{}', … '{}' ({} layers)", names[0], names[1], names.back(), names.size());
}

// The weights' variance on this kernel, from the initializer's own theory.
double weight_variance(const Weighted& w) {
  const Theory th = w.init.theory(w.kernel_shape, w.fans);
  return th.stddev * th.stddev;
}

std::string id_of(const Weighted& w) { return w.init.id(); }

// The per-layer variance factor fan_in·Var(w)·k of each concerned layer, told
// once per distinct value ("'dense': 784·0.00236·(1/2) = 0.925; 'dense_1' and
// 18 more: 64·0.0156·(1/2) = 0.5"), and their product over the stack.
struct Factors {
  std::string text;
  double product = 1;
  double log10_product = 0;  // the product's exponent, exact where the product under- or overflows
};

// "×0.5", "×3.1e+12", or "×10^-1505" past double's range.
std::string times(double log10_value) {
  if (std::isnan(log10_value)) return "×?";
  if (std::isinf(log10_value)) return log10_value < 0 ? "×0" : "×∞";
  if (std::fabs(log10_value) < 300) return fmt::format("×{:.2g}", std::pow(10.0, log10_value));
  return fmt::format("×10^{:.0f}", log10_value);
}

Factors variance_factors(const std::vector<const Weighted*>& ws, double k, const char* k_text) {
  struct Group {
    const Weighted* first;
    double var, factor;
    size_t count;
  };
  std::vector<Group> groups;
  Factors f;
  for (const auto* w : ws) {
    const double var = weight_variance(*w), factor = static_cast<double>(w->fans.fan_in) * var * k;
    f.product *= factor;
    f.log10_product += std::log10(factor);
    if (!groups.empty() && groups.back().first->fans.fan_in == w->fans.fan_in && groups.back().var == var) {
      ++groups.back().count;
    } else {
      groups.push_back({w, var, factor, 1});
    }
  }
  std::vector<std::string> parts;
  for (const auto& g : groups) {
    const std::string who = g.count == 1 ? fmt::format("'{}'", g.first->layer)
                                         : fmt::format("'{}' and {} more", g.first->layer, g.count - 1);
    parts.push_back(fmt::format("{}: {}·{:.3g}{} = {:.3g}", who, g.first->fans.fan_in, g.var, k_text, g.factor));
  }
  f.text = fmt::format("{}", fmt::join(parts, "; "));
  return f;
}

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

void constant_kernels(const std::vector<Weighted>& hidden, std::vector<Advice>& out) {
  std::vector<std::string> names;
  for (const auto& w : hidden) {
    const std::string id = id_of(w);
    if (id == "zeros" || id == "ones" || id == "constant") names.push_back(w.layer);
  }
  if (names.empty()) return;
  const Weighted& w = *std::find_if(hidden.begin(), hidden.end(), [&](const auto& x) { return x.layer == names[0]; });
  out.push_back({"constant-kernel", names,
                 fmt::format("{} start{} from a constant kernel ({})", layers_text(names), names.size() == 1 ? "s" : "",
                             id_of(w)),
                 "every unit of a layer then computes the same function of its input and receives the same gradient, "
                 "so the units stay identical for ever (the symmetry is never broken); use a random initializer "
                 "(he_normal for ReLU, glorot_uniform for tanh)",
                 fmt::format("Var(w) = 0 in '{}': its {} units are copies of one unit", w.layer, w.kernel_shape[-1])});
}

void unscaled_saturating(const std::vector<Weighted>& hidden, const AdvisorOptions& o, std::vector<Advice>& out) {
  std::vector<std::string> names;
  std::vector<const Weighted*> ws;
  int deep = 0;
  for (const auto& w : hidden) {
    if (!saturating(w.activation)) continue;
    ++deep;
    const std::string id = id_of(w);
    if (id == "random_normal" || id == "random_uniform" || id == "truncated_normal") {
      names.push_back(w.layer);
      ws.push_back(&w);
    }
  }
  if (names.empty() || deep < o.deep) return;
  const Weighted& first = *ws.front();
  // Near 0, tanh has slope 1 and sigmoid 1/4: the forward variance factor per layer.
  const bool tanh = first.activation == Activation::Kind::kTanh;
  const Factors f = variance_factors(ws, tanh ? 1.0 : 1.0 / 16.0, tanh ? "" : "·(1/16)");
  const double mean_factor = std::pow(10.0, f.log10_product / static_cast<double>(ws.size()));
  out.push_back({"unscaled-deep-tanh", names,
                 fmt::format("{} use {}, whose scale ignores the layer's fan-in, in a {}-layer {} stack",
                             layers_text(names), id_of(first), deep, first.activation_name),
                 mean_factor < 1 ? "the signal shrinks at every layer and the gradients vanish towards the input; a "
                                   "fan-scaled initializer keeps the variance steady (glorot_uniform or lecun_normal)"
                                 : "the signal grows at every layer until the units saturate, where the gradient is "
                                   "nearly 0; a fan-scaled initializer keeps the variance steady (glorot_uniform or "
                                   "lecun_normal)",
                 fmt::format("fan_in·Var(w){} per layer near 0: {}; {} over {} layers (glorot/lecun make "
                             "fan_in·Var(w) ≈ 1)",
                             tanh ? "" : "·(1/4)², sigmoid's slope at 0 being 1/4,", f.text, times(f.log10_product),
                             names.size())});
}

void glorot_relu(const std::vector<Weighted>& hidden, const AdvisorOptions& o, std::vector<Advice>& out) {
  std::vector<std::string> names;
  std::vector<const Weighted*> ws;
  int relu = 0;
  for (const auto& w : hidden) {
    if (w.activation != Activation::Kind::kRelu) continue;
    ++relu;
    const std::string id = id_of(w);
    if (starts_with(id, "glorot_") || starts_with(id, "xavier_")) {
      names.push_back(w.layer);
      ws.push_back(&w);
    }
  }
  if (names.size() < static_cast<size_t>(o.deep) || relu < o.deep) return;
  const Factors f = variance_factors(ws, 0.5, "/2");
  out.push_back({"glorot-deep-relu", names,
                 fmt::format("{} use {} in a {}-layer ReLU stack", layers_text(names), id_of(*ws.front()), relu),
                 "Glorot assumes an activation that keeps the variance (linear, tanh near 0); a ReLU zeroes half its "
                 "inputs and halves the second moment, so the signal fades with depth; he_normal or he_uniform "
                 "(Var = 2/fan_in) compensate exactly",
                 fmt::format("fan_in·Var(w)/2 per layer: {}; {} over {} layers; with he_normal every factor is 1",
                             f.text, times(f.log10_product), names.size())});
}

void he_saturating(const std::vector<Weighted>& hidden, std::vector<Advice>& out) {
  std::vector<std::string> names;
  const Weighted* first = nullptr;
  for (const auto& w : hidden) {
    const std::string id = id_of(w);
    if (saturating(w.activation) && (starts_with(id, "he_") || starts_with(id, "kaiming_"))) {
      names.push_back(w.layer);
      if (!first) first = &w;
    }
  }
  if (names.empty()) return;
  const double v = weight_variance(*first), gain = static_cast<double>(first->fans.fan_in) * v;
  out.push_back({"he-saturating", names,
                 fmt::format("{} use {} with {}", layers_text(names), id_of(*first), first->activation_name),
                 fmt::format("He's factor 2 makes up for the half of its inputs a ReLU discards; {} discards nothing, so "
                             "the variance doubles per layer and the units saturate; use glorot_uniform or lecun_normal",
                             first->activation_name),
                 fmt::format("'{}': fan_in·Var(w) = {}·{:.3g} = {:.3g} (glorot/lecun: about 1)", first->layer,
                             first->fans.fan_in, v, gain)});
}

void shared_seed(const std::vector<Weighted>& all, std::vector<Advice>& out) {
  std::map<std::string, std::vector<const Weighted*>> groups;
  for (const auto& w : all) {
    const Initializer& init = w.init;
    if (!init.seed()) continue;
    groups[init.to_config().dump() + "|" + w.kernel_shape.str()].push_back(&w);
  }
  for (const auto& [key, ws] : groups) {
    if (ws.size() < 2) continue;
    std::vector<std::string> names;
    for (const auto* w : ws) names.push_back(w->layer);
    const Initializer& init = ws[0]->init;
    out.push_back({"shared-seed", names,
                   fmt::format("{} use the same seeded initializer ({}, seed {}) on kernels of shape {}",
                               layers_text(names), init.id(), *init.seed(), ws[0]->kernel_shape.str()),
                   "a seeded initializer draws the same numbers every time it is called, so these kernels start "
                   "identical element by element; drop the seed (initlab then keys each tensor by its name) or give "
                   "each layer its own",
                   fmt::format("all {} kernels are the stream (seed {}, 0): correlation 1 between layers", names.size(),
                               *init.seed())});
  }
}

void deep_unnormalized(const Sequential& model, const std::vector<Weighted>& all, const AdvisorOptions& o,
                       std::vector<Advice>& out) {
  if (o.lsuv || static_cast<int>(all.size()) < o.very_deep) return;
  for (const auto& l : model.layers()) {
    if (dynamic_cast<const BatchNormalization*>(l.get()) != nullptr) return;
  }
  out.push_back({"deep-unnormalized",
                 {},
                 fmt::format("{} weighted layers without normalization", all.size()),
                 "even at the right scale, each layer's variance factor is only 1 on average: its fluctuations compound "
                 "with depth, and the trainable depth of an unnormalized net is limited (Schoenholz et al. 2017); add "
                 "BatchNormalization, or initialize with LSUV (Mishkin & Matas 2016), or check `initlab theory`",
                 fmt::format("a per-layer factor off by 10% gives {} or {} after {} layers",
                             times(std::log10(1.1) * static_cast<double>(all.size())),
                             times(std::log10(0.9) * static_cast<double>(all.size())), all.size())});
}

std::string summary_notes(Sequential& model) {
  std::vector<Advice> a;
  try {
    a = advise(model);
  } catch (const Error& e) {
    return fmt::format("Init advisor: cannot check this model: {}\n", e.what());
  }
  if (a.empty()) return "Init advisor: no warnings.\n";
  return fmt::format("Init advisor: {} warning{}\n{}", a.size(), a.size() == 1 ? "" : "s", format_advice(a));
}

}  // namespace

std::vector<Advice> advise(const Sequential& model, const AdvisorOptions& o) {
  if (!model.input_shape()) {
    throw ValueError(fmt::format("advisor: model '{}' has no input shape yet (add an Input or build it)", model.name()));
  }
  const auto all = weighted_layers(model, model.layer_shapes());
  std::vector<Weighted> hidden(all.begin(), all.empty() ? all.end() : all.end() - 1);
  std::vector<Advice> out;
  constant_kernels(hidden, out);
  unscaled_saturating(hidden, o, out);
  glorot_relu(hidden, o, out);
  he_saturating(hidden, out);
  shared_seed(all, out);
  deep_unnormalized(model, all, o, out);
  return out;
}

std::string format_advice(const std::vector<Advice>& advice) {
  std::string s;
  for (const auto& a : advice) {
    s += fmt::format("  warning [{}] {}\n      why: {}\n      variance: {}\n", a.rule, a.message, a.why, a.arithmetic);
  }
  return s;
}

bool install_advisor_in_summary() {
  Sequential::set_summary_annotator(&summary_notes);
  return true;
}

}  // namespace initlab
