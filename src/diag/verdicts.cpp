#include "initlab/diag/verdicts.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <map>
#include <utility>

#include "initlab/nn/dense.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {
namespace {

// Groups of hidden units of `d` with bit-identical incoming weights, bias,
// outgoing weights (in the next Dense layer, when there is one) and outputs.
std::vector<std::vector<int64_t>> identical_units(const Dense& d, const Dense* next) {
  const Tensor& w = d.kernel().value();  // (in, units)
  const int64_t in = w.dim(0), units = w.dim(1);
  const Tensor& y = d.output();          // (M, units), last forward
  const int64_t rows = y.size() > 0 ? y.size() / units : 0;
  auto key = [&](int64_t j) {
    std::vector<uint32_t> k;
    auto put = [&](float f) {
      uint32_t b;
      std::memcpy(&b, &f, sizeof b);
      k.push_back(b);
    };
    for (int64_t i = 0; i < in; ++i) put(w[i * units + j]);
    if (d.bias() != nullptr) put(d.bias()->value()[j]);
    if (next != nullptr) {
      const Tensor& w2 = next->kernel().value();  // (units, out2)
      for (int64_t o = 0; o < w2.dim(1); ++o) put(w2[j * w2.dim(1) + o]);
    }
    for (int64_t r = 0; r < rows; ++r) put(y[r * units + j]);
    return k;
  };
  std::map<std::vector<uint32_t>, std::vector<int64_t>> groups;
  for (int64_t j = 0; j < units; ++j) groups[key(j)].push_back(j);
  std::vector<std::vector<int64_t>> out;
  for (auto& [k, g] : groups) {
    if (g.size() > 1) out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string groups_text(const std::vector<std::vector<int64_t>>& groups, int64_t units) {
  if (groups.size() == 1 && static_cast<int64_t>(groups[0].size()) == units) {
    return fmt::format("all {} units are identical", units);
  }
  std::vector<std::string> parts;
  for (size_t i = 0; i < groups.size() && i < 6; ++i) {
    const auto& g = groups[i];
    parts.push_back(g.size() <= 8 ? fmt::format("[{}]", fmt::join(g, ", "))
                                  : fmt::format("[{}, … {} units]", fmt::join(g.begin(), g.begin() + 6, ", "), g.size()));
  }
  if (groups.size() > 6) parts.push_back(fmt::format("and {} more groups", groups.size() - 6));
  return fmt::format("{} group{} of identical units: {}", groups.size(), groups.size() == 1 ? "" : "s",
                     fmt::join(parts, ", "));
}

// The first and the last layer of the snapshot that recorded `field` (not NaN).
std::pair<const LayerStats*, const LayerStats*> first_and_last(const Snapshot& snap, double LayerStats::*field) {
  const LayerStats* first = nullptr;
  const LayerStats* last = nullptr;
  for (const auto& s : snap.layers) {
    if (std::isnan(s.*field)) continue;
    if (!first) first = &s;
    last = &s;
  }
  return {first, last};
}

}  // namespace

std::string verdict_name(Verdict::Kind kind) {
  switch (kind) {
    case Verdict::Kind::kHealthy: return "healthy";
    case Verdict::Kind::kVanishing: return "vanishing";
    case Verdict::Kind::kExploding: return "exploding";
    case Verdict::Kind::kSaturated: return "saturated";
    case Verdict::Kind::kDead: return "dead";
    case Verdict::Kind::kSymmetric: return "symmetric";
  }
  return "?";
}

std::vector<Verdict> judge(const Snapshot& snap, Sequential& model, const VerdictThresholds& t) {
  std::vector<Verdict> out;
  // Gradient flow: the std of ∂L/∂z at the first and the last probed layer.
  const auto [first, last] = first_and_last(snap, &LayerStats::pre_activation_gradient_std);
  if (first && last && first != last) {
    const double g0 = first->pre_activation_gradient_std, g1 = last->pre_activation_gradient_std;
    const double ratio = g1 > 0 ? g0 / g1 : (g0 > 0 ? INFINITY : 0.0);
    const int span = last->index - first->index;
    if (g1 > 0 && ratio < 1 / t.gradient_ratio) {
      out.push_back({Verdict::Kind::kVanishing, "", ratio,
                     fmt::format("vanishing gradients: the std of ∂L/∂z falls from {:.3g} at the last layer '{}' to "
                                 "{:.3g} at the first '{}' (×{:.3g} over {} layers)",
                                 g1, last->layer, g0, first->layer, ratio, span),
                     {}});
    } else if (ratio > t.gradient_ratio) {
      out.push_back({Verdict::Kind::kExploding, "", ratio,
                     fmt::format("exploding gradients: the std of ∂L/∂z rises from {:.3g} at the last layer '{}' to "
                                 "{:.3g} at the first '{}' (×{:.3g} over {} layers)",
                                 g1, last->layer, g0, first->layer, ratio, span),
                     {}});
    }
  }
  // Forward signal: the std of the pre-activations z of the first and the last
  // weighted layer (the output layer's logits included: they decide whether
  // the softmax saturates).
  const auto [z_first, z_last] = first_and_last(snap, &LayerStats::pre_activation_std);
  if (z_first && z_last && z_first != z_last && z_first->pre_activation_std > 0 &&
      std::isfinite(z_first->pre_activation_std)) {
    const double q0 = z_first->pre_activation_std, q1 = z_last->pre_activation_std;
    const double ratio = q1 / q0;
    const int span = z_last->index - z_first->index;
    const bool vanish = ratio < 1 / t.gradient_ratio, explode = ratio > t.gradient_ratio;
    if (vanish || explode) {
      out.push_back({vanish ? Verdict::Kind::kVanishing : Verdict::Kind::kExploding, "", ratio,
                     fmt::format("{} activations: the std of the pre-activations z {} from {:.3g} at the first layer "
                                 "'{}' to {:.3g} at the last '{}' (×{:.3g} over {} layers)",
                                 vanish ? "vanishing" : "exploding", vanish ? "falls" : "grows", q0, z_first->layer, q1,
                                 z_last->layer, ratio, span),
                     {}});
    }
  }
  for (const auto& s : snap.layers) {
    if (!std::isnan(s.saturated_fraction) && s.saturated_fraction > t.saturated_fraction) {
      out.push_back({Verdict::Kind::kSaturated, s.layer, s.saturated_fraction,
                     fmt::format("layer '{}' ({}) is saturated: {:.1f}% of its outputs are within 0.01 of the "
                                 "activation's bounds, where its derivative is nearly 0",
                                 s.layer, s.activation, 100 * s.saturated_fraction),
                     {}});
    }
    if (!std::isnan(s.dead_fraction) && s.dead_fraction > t.dead_fraction) {
      out.push_back({Verdict::Kind::kDead, s.layer, s.dead_fraction,
                     fmt::format("layer '{}' ({}): {:.1f}% of its units are dead (output 0 for the whole batch, so "
                                 "they pass no gradient)",
                                 s.layer, s.activation, 100 * s.dead_fraction),
                     {}});
    }
  }
  // Symmetry: hidden Dense layers (the output layer's units are the classes).
  const auto& layers = model.layers();
  for (size_t i = 0; i + 1 < layers.size(); ++i) {
    const auto* d = dynamic_cast<const Dense*>(layers[i].get());
    if (d == nullptr || !d->built() || d->output().size() == 0) continue;
    const Dense* next = nullptr;
    for (size_t j = i + 1; j < layers.size() && next == nullptr; ++j) {
      next = dynamic_cast<const Dense*>(layers[j].get());
      if (next == nullptr && !layers[j]->variables().empty()) break;  // another weighted layer: stop looking
    }
    auto groups = identical_units(*d, next);
    if (groups.empty()) continue;
    int64_t n = 0;
    for (const auto& g : groups) n += static_cast<int64_t>(g.size());
    Verdict v{Verdict::Kind::kSymmetric, d->name(), static_cast<double>(n) / static_cast<double>(d->units()),
              fmt::format("layer '{}': {} — identical incoming and outgoing weights give them identical gradients, "
                          "so training can never tell them apart",
                          d->name(), groups_text(groups, d->units())),
              std::move(groups)};
    out.push_back(std::move(v));
  }
  if (out.empty()) {
    std::string msg = "healthy: no vanishing or exploding signal, saturation, dead units or symmetry";
    if (first && last && first != last && last->pre_activation_gradient_std > 0) {
      msg += fmt::format(" (std of ∂L/∂z, first layer / last: {:.3g})",
                         first->pre_activation_gradient_std / last->pre_activation_gradient_std);
    }
    out.push_back({Verdict::Kind::kHealthy, "", 0, msg, {}});
  }
  return out;
}

std::vector<std::string> verdict_lines(const std::vector<Verdict>& verdicts, size_t per_kind) {
  std::vector<std::string> lines;
  std::map<Verdict::Kind, std::vector<const Verdict*>> rest;  // per-layer verdicts past the first per_kind
  std::map<Verdict::Kind, size_t> told;
  for (const auto& v : verdicts) {
    if (!v.layer.empty() && told[v.kind] >= per_kind) {
      rest[v.kind].push_back(&v);
      continue;
    }
    if (!v.layer.empty()) ++told[v.kind];
    lines.push_back(v.message);
  }
  for (const auto& [kind, vs] : rest) {
    const std::string first = vs.front()->layer, last = vs.back()->layer;
    const std::string names = vs.size() == 1   ? fmt::format("'{}'", first)
                              : vs.size() == 2 ? fmt::format("'{}', '{}'", first, last)
                                               : fmt::format("'{}' … '{}'", first, last);
    lines.push_back(fmt::format("… and {} more layer{} {}: {}", vs.size(), vs.size() == 1 ? "" : "s",
                                verdict_name(kind), names));
  }
  return lines;
}

}  // namespace initlab
