// The initialization lab's report: one self-contained HTML file (inline CSS and
// SVG, no script but the embedded data, nothing fetched). Sections: what was
// run and what to look for; the ranking; per-layer std curves at
// initialization; activation and gradient histograms as heatmaps; loss and
// accuracy curves; each initializer's verdicts, notes and per-layer numbers.
// The whole result is embedded as JSON in <script id="initlab-data">.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/number_format.hpp"
#include "initlab/lab/init_lab.hpp"
#include "lab/svg_chart.hpp"

namespace initlab {
namespace {

using nlohmann::json;
using svg::escape;

// ---- the embedded data ---------------------------------------------------------
// nlohmann::json writes doubles with the shortest text that reads back to the
// same bits, and NaN and ±inf as null.

json to_json(const Histogram& h) { return json{{"lo", h.lo}, {"hi", h.hi}, {"counts", h.counts}}; }

json to_json(const LayerStats& s) {
  return json{{"index", s.index},
              {"layer", s.layer},
              {"class_name", s.class_name},
              {"activation", s.activation},
              {"activation_mean", s.activation_mean},
              {"activation_std", s.activation_std},
              {"percentiles", s.percentiles},
              {"pre_activation_std", s.pre_activation_std},
              {"saturated_fraction", s.saturated_fraction},
              {"dead_fraction", s.dead_fraction},
              {"pre_activation_gradient_std", s.pre_activation_gradient_std},
              {"weight_gradient_std", s.weight_gradient_std},
              {"weight_std", s.weight_std},
              {"activations", to_json(s.activations)},
              {"gradients", to_json(s.gradients)}};
}

json to_json(const Verdict& v) {
  return json{{"kind", verdict_name(v.kind)},
              {"layer", v.layer},
              {"value", v.value},
              {"message", v.message},
              {"unit_groups", v.unit_groups}};
}

json to_json(const InitLabOptions& o) {
  return json{{"dataset", o.dataset},
              {"activation", o.activation},
              {"depth", o.depth},
              {"width", o.width},
              {"initializers", o.initializers},
              {"optimizer", o.optimizer},
              {"learning_rate", o.learning_rate},
              {"momentum", o.momentum},
              {"batch_norm", o.batch_norm},
              {"steps", o.steps},
              {"batch_size", o.batch_size},
              {"evaluations", o.evaluations},
              {"eval_samples", o.eval_samples},
              {"histogram_bins", o.histogram_bins},
              {"seed", o.seed},
              {"report", o.report}};
}

json to_json(const InitLabRun& r) {
  json layers = json::array(), verdicts = json::array();
  for (const LayerStats& s : r.at_init.layers) layers.push_back(to_json(s));
  for (const Verdict& v : r.verdicts) verdicts.push_back(to_json(v));
  return json{{"initializer", r.initializer},
              {"description", r.description},
              {"at_init", {{"step", r.at_init.step}, {"layers", layers}}},
              {"verdicts", verdicts},
              {"notes", r.notes},
              {"eval_steps", r.eval_steps},
              {"eval_loss", r.eval_loss},
              {"eval_accuracy", r.eval_accuracy},
              {"test_loss", r.test_loss},
              {"test_accuracy", r.test_accuracy},
              {"diverged", r.diverged},
              {"error", r.error},
              {"seconds", r.seconds}};
}

// The JSON text, safe inside <script>: "</" cannot close the element and
// "<!--" cannot open a comment. Both occur only inside JSON strings, where the
// escaped forms read back as the same characters.
std::string embedded_json(const InitLabResult& result) {
  json runs = json::array();
  for (const InitLabRun& r : result.runs) runs.push_back(to_json(r));
  const json j{{"format", "initlab-lab-report"},
               {"version", 1},
               {"options", to_json(result.options)},
               {"dataset", result.dataset},
               {"architecture", result.architecture},
               {"runs", runs},
               {"ranking", result.ranking}};
  const std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + 64);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else if (text.compare(i, 4, "<!--") == 0) {
      out += "\\u003c!--";
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

// ---- helpers -------------------------------------------------------------------

// result.ranking, with invalid or repeated indices dropped and any run it
// leaves out appended, so every run appears exactly once.
std::vector<size_t> display_order(const InitLabResult& result) {
  std::vector<size_t> order;
  std::vector<bool> seen(result.runs.size(), false);
  for (size_t i : result.ranking) {
    if (i < result.runs.size() && !seen[i]) order.push_back(i), seen[i] = true;
  }
  for (size_t i = 0; i < result.runs.size(); ++i) {
    if (!seen[i]) order.push_back(i);
  }
  return order;
}

std::string color_of(size_t run) { return svg::palette_color(run); }

std::string swatch(size_t run) {
  return fmt::format(R"(<span class="swatch" style="background:{}"></span>)", color_of(run));
}

std::string number_or_dash(double x) { return std::isfinite(x) ? pretty_number(x) : "—"; }
std::string percent_or_dash(double x) { return std::isfinite(x) ? fmt::format("{:.2f}%", 100 * x) : "—"; }
std::string fraction_or_blank(double x) { return std::isnan(x) ? "" : fmt::format("{:.0f}%", 100 * x); }

std::string duration(double seconds) {
  if (!std::isfinite(seconds)) return "—";
  if (seconds < 60) return fmt::format("{:.1f} s", seconds);
  const long long s = std::llround(seconds);
  return fmt::format("{}:{:02} min", s / 60, s % 60);
}

std::string kind_class(Verdict::Kind k) { return "chip chip-" + verdict_name(k); }

// One chip per kind of verdict, with a count when a kind repeats (dead in 12
// layers); the tooltip lists every message.
std::string verdict_chips(const std::vector<Verdict>& verdicts) {
  if (verdicts.empty()) return R"(<span class="muted">none recorded</span>)";
  std::vector<Verdict::Kind> kinds;
  for (const Verdict& v : verdicts) {
    if (std::find(kinds.begin(), kinds.end(), v.kind) == kinds.end()) kinds.push_back(v.kind);
  }
  std::string o;
  for (Verdict::Kind k : kinds) {
    std::string tip;
    int n = 0;
    for (const Verdict& v : verdicts) {
      if (v.kind != k) continue;
      ++n;
      if (!tip.empty()) tip += "\n";
      tip += v.message.empty() ? (v.layer.empty() ? verdict_name(k) : verdict_name(k) + " at " + v.layer) : v.message;
    }
    o += fmt::format(R"(<span class="{}" title="{}">{}{}</span>)", kind_class(k), escape(tip), escape(verdict_name(k)),
                     n > 1 ? fmt::format(" ×{}", n) : "");
  }
  return o;
}

// ---- sections ------------------------------------------------------------------

const char* kCss = R"css(
:root { --ink:#232323; --muted:#666; --rule:#e4e4e4; --blue:#0877bd; --orange:#f59322; }
* { box-sizing: border-box; }
body { margin:0; color:var(--ink); background:#fafafa;
  font: 15px/1.5 "Helvetica Neue", Roboto, "Segoe UI", Arial, sans-serif; }
main { max-width:1180px; margin:0 auto; padding:0 24px 48px; background:#fff; }
header.top { background:#183d4e; color:#fff; padding:26px 24px 20px; max-width:1180px; margin:0 auto; }
header.top h1 { margin:0 0 4px; font-weight:300; font-size:30px; letter-spacing:.5px; }
header.top .sub { color:#c9dce6; font-size:15px; }
header.top .best { margin-top:10px; font-size:16px; }
h2 { font-weight:400; font-size:22px; margin:34px 0 8px; padding-bottom:4px; border-bottom:1px solid var(--rule); }
h3 { font-weight:500; font-size:17px; margin:20px 0 6px; }
p.lead, .explain { color:#444; max-width:880px; }
.muted { color:var(--muted); }
dl.options { display:grid; grid-template-columns:repeat(auto-fill, minmax(210px, 1fr)); gap:4px 18px; margin:16px 0; }
dl.options div { border-left:3px solid var(--blue); padding:2px 8px; background:#f5f9fc; }
dl.options dt { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.4px; }
dl.options dd { margin:0; font-weight:500; overflow-wrap:anywhere; }
.explain { background:#fff8ee; border-left:3px solid var(--orange); padding:10px 16px; }
.explain dl { display:grid; grid-template-columns:max-content 1fr; gap:4px 12px; margin:8px 0 0; }
.explain dt { font-weight:500; }
.explain dd { margin:0; }
table { border-collapse:collapse; width:100%; font-size:14px; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--rule); vertical-align:top; }
th { font-weight:500; color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.4px; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tr.diverged td { background:#fff4f3; }
.error { color:#a50f15; font-size:13px; }
.bar { height:4px; background:var(--blue); border-radius:2px; margin-top:3px; }
.swatch { display:inline-block; width:11px; height:11px; border-radius:2px; margin-right:6px; vertical-align:-1px; }
code, .mono { font-family:"SFMono-Regular", Menlo, Consolas, monospace; font-size:13px; }
.chip { display:inline-block; padding:1px 8px; margin:1px 3px 1px 0; border-radius:10px; font-size:12px;
  font-weight:500; white-space:nowrap; cursor:help; }
.chip-healthy { background:#e3f1df; color:#2e6b2a; }
.chip-vanishing { background:#deebf7; color:#08519c; }
.chip-exploding { background:#fde0dd; color:#a50f15; }
.chip-saturated { background:#fdebd3; color:#9a4f00; }
.chip-dead { background:#e6e6e6; color:#333; }
.chip-symmetric { background:#efe3f4; color:#6a3d9a; }
.chip-diverged { background:#a50f15; color:#fff; }
figure { margin:14px 0 22px; }
figcaption { color:var(--muted); font-size:13px; max-width:860px; }
svg { font-family:inherit; max-width:100%; height:auto; }
svg text { font-size:12px; fill:#444; }
svg .chart-title { font-size:14px; font-weight:500; fill:var(--ink); }
svg .axis-title { font-size:12px; fill:var(--muted); }
svg .grid line { stroke:#eee; }
svg .axis line { stroke:#999; }
svg .floor-note, svg .empty { fill:#999; font-size:11px; }
svg .series path { transition:stroke-width .1s; }
svg .series:hover path { stroke-width:3.5; }
svg .series circle { stroke:#fff; stroke-width:1; }
svg .row-label, svg .row-range { font-size:10px; }
svg .row-range { fill:#888; }
svg .zero-tick { stroke:var(--orange); stroke-width:1.2; }
.multiples { display:grid; grid-template-columns:repeat(auto-fill, minmax(390px, 1fr)); gap:10px 18px; }
.card { border:1px solid var(--rule); border-radius:6px; padding:12px 16px; margin:12px 0; }
.card h3 { margin-top:0; }
.card ul { margin:6px 0; padding-left:20px; }
.card li { margin:2px 0; }
.card ul.notes li { font-family:"SFMono-Regular", Menlo, Consolas, monospace; font-size:12.5px; }
details summary { cursor:pointer; color:var(--blue); font-size:14px; }
table.layers { font-size:12.5px; }
table.layers td, table.layers th { padding:3px 6px; }
footer { color:var(--muted); font-size:12px; margin-top:40px; }
)css";

std::string options_block(const InitLabResult& r) {
  const InitLabOptions& o = r.options;
  std::vector<std::pair<std::string, std::string>> items = {
      {"dataset", r.dataset.empty() ? o.dataset : r.dataset},
      {"architecture", r.architecture},
      {"activation", o.activation},
      {"depth (hidden layers)", std::to_string(o.depth)},
      {"width", std::to_string(o.width)},
      {"batch normalization", o.batch_norm ? "after every hidden Dense" : "none"},
      {"optimizer", o.optimizer == "sgd" ? fmt::format("sgd, momentum {}", pretty_number(o.momentum)) : o.optimizer},
      {"learning rate", pretty_number(o.learning_rate)},
      {"steps per initializer", std::to_string(o.steps)},
      {"batch size", std::to_string(o.batch_size)},
      {"evaluations", fmt::format("{} on {} held-out samples", o.evaluations, o.eval_samples)},
      {"histogram bins", std::to_string(o.histogram_bins)},
      {"seed", std::to_string(o.seed)},
      {"initializers", std::to_string(r.runs.size())},
  };
  std::string s = "<dl class=\"options\">\n";
  for (const auto& [k, v] : items) s += fmt::format("<div><dt>{}</dt><dd>{}</dd></div>\n", escape(k), escape(v));
  return s + "</dl>\n";
}

const char* kExplanation = R"html(
<div class="explain">
<p><strong>What to look for.</strong> Every initializer trains the same network on the same data, from the same
seed, for the same number of steps. Before training, one batch is sent forward and its loss back, and every layer
is measured. With weights of variance Var(w) and fan-in n, a layer multiplies the variance of its signal by about
n·Var(w) (times a factor for the activation: ½ for ReLU). If that product is 1 the signal keeps the same size
through every layer; if it is 0.5 it halves at each layer and after 20 layers is a millionth of itself; if it is 2
it grows a million-fold. The same holds for the gradient going back. So in the curves below, <em>look for flat
lines</em>: a healthy initializer keeps the std of the activations and of the gradient roughly constant from the
first layer to the last. Glorot, He and LeCun choose Var(w) to make the product 1 for their activation.</p>
<dl>
<dt><span class="chip chip-vanishing">vanishing</span></dt><dd>the gradient's std falls by more than 10× from the
last layer to the first: the early layers barely learn.</dd>
<dt><span class="chip chip-exploding">exploding</span></dt><dd>it grows by more than 10×: steps are far too large
for the early layers, and training may diverge.</dd>
<dt><span class="chip chip-dead">dead</span></dt><dd>more than half of a ReLU layer's units output 0 for the whole
batch; a dead unit passes no gradient, so it may never recover.</dd>
<dt><span class="chip chip-saturated">saturated</span></dt><dd>more than half of a tanh or sigmoid layer's outputs
sit at the flat ends (|tanh| &gt; 0.99), where the derivative is nearly 0.</dd>
<dt><span class="chip chip-symmetric">symmetric</span></dt><dd>units with identical weights compute identical
outputs and get identical gradients, so they stay identical for ever (all zeros is the extreme case): the layer
behaves like a single unit. Random initialization exists to break this symmetry.</dd>
<dt><span class="chip chip-healthy">healthy</span></dt><dd>none of the above.</dd>
</dl>
<p class="muted">Hover over a point, a line or a heatmap cell for its exact value.</p>
</div>
)html";

std::string ranking_table(const InitLabResult& r, const std::vector<size_t>& order) {
  std::string s = R"(<table class="ranking"><thead><tr><th>#</th><th>initializer</th><th>description</th>)"
                  R"(<th>test accuracy</th><th>test loss</th><th>verdicts at initialization</th><th>time</th></tr></thead><tbody>)"
                  "\n";
  int rank = 0;
  for (size_t i : order) {
    const InitLabRun& run = r.runs[i];
    ++rank;
    const double acc = run.test_accuracy;
    std::string name_cell = swatch(i) + "<strong>" + escape(run.initializer) + "</strong>";
    if (run.diverged) {
      name_cell += R"( <span class="chip chip-diverged">diverged</span>)";
      if (!run.error.empty()) name_cell += "<div class=\"error\">" + escape(run.error) + "</div>";
    }
    s += fmt::format(
        R"(<tr class="{}"><td class="num">{}</td><td>{}</td><td class="mono">{}</td>)"
        R"(<td class="num">{}<div class="bar" style="width:{:.1f}%"></div></td><td class="num">{}</td><td>{}</td><td class="num">{}</td></tr>)"
        "\n",
        run.diverged ? "diverged" : "ok", rank, name_cell, escape(run.description), percent_or_dash(acc),
        std::isfinite(acc) ? std::clamp(acc, 0.0, 1.0) * 100 : 0.0, number_or_dash(run.test_loss),
        verdict_chips(run.verdicts), duration(run.seconds));
  }
  return s + "</tbody></table>\n";
}

// One series per run: field(stats) against the layer index; NaN (not
// applicable, or not measured) is left out, so the line joins its neighbours.
template <typename Field>
std::vector<svg::Series> layer_series(const InitLabResult& r, const std::vector<size_t>& order, Field field) {
  std::vector<svg::Series> out;
  for (size_t i : order) {
    const InitLabRun& run = r.runs[i];
    svg::Series s{run.initializer, color_of(i), svg::palette_dash(i), {}, {}, {}};
    for (const LayerStats& l : run.at_init.layers) {
      const double v = field(l);
      if (std::isnan(v)) continue;
      s.x.push_back(l.index);
      s.y.push_back(v);
      s.point_labels.push_back(fmt::format("{} (layer {}{})", l.layer, l.index,
                                           l.class_name.empty() ? "" : ", " + l.class_name));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string figure(const std::string& svg_text, const std::string& caption) {
  return "<figure>\n" + svg_text + "<figcaption>" + caption + "</figcaption>\n</figure>\n";
}

// One per-layer statistic at initialization, a line per initializer, log scale.
std::string per_layer_chart(const InitLabResult& r, const std::vector<size_t>& order, const char* title,
                            const char* y_label, double LayerStats::*field, const char* caption) {
  return figure(svg::line_chart({.title = title, .x_label = "layer index", .y_label = y_label, .log_y = true,
                                 .integer_x = true},
                                layer_series(r, order, [field](const LayerStats& l) { return l.*field; })),
                caption);
}

std::string std_charts(const InitLabResult& r, const std::vector<size_t>& order) {
  return per_layer_chart(r, order, "Activation std per layer, at initialization", "std of the layer's output a",
                         &LayerStats::activation_std,
                         "Forward: the std of each layer's output on one batch. A flat line means the signal keeps "
                         "its size; a line falling from left to right means it vanishes, a rising one that it "
                         "explodes.") +
         per_layer_chart(r, order, "Gradient std per layer (∂L/∂z), at initialization", "std of ∂L/∂z",
                         &LayerStats::pre_activation_gradient_std,
                         "Backward: the std of the loss's gradient with respect to each layer's pre-activation z, "
                         "from the same batch. Read it from right (the output) to left (the input): this is what "
                         "reaches the early layers.") +
         per_layer_chart(r, order, "Weight-gradient std per layer (∂L/∂W), at initialization", "std of ∂L/∂kernel",
                         &LayerStats::weight_gradient_std,
                         "The size of the first update each kernel would receive (layers without a kernel are "
                         "skipped).");
}

std::string heatmaps(const InitLabResult& r, const std::vector<size_t>& order, bool gradients) {
  std::string s = "<div class=\"multiples\">\n";
  for (size_t i : order) {
    const InitLabRun& run = r.runs[i];
    std::vector<svg::HeatmapRow> rows;
    for (const LayerStats& l : run.at_init.layers) {
      const Histogram& h = gradients ? l.gradients : l.activations;
      rows.push_back({l.layer, h.lo, h.hi, std::vector<double>(h.counts.begin(), h.counts.end())});
    }
    s += "<div>" + svg::heatmap({run.initializer, color_of(i), gradients ? "∂L/∂z" : "a"}, rows) + "</div>\n";
  }
  return s + "</div>\n";
}

std::string training_charts(const InitLabResult& r, const std::vector<size_t>& order) {
  std::vector<svg::Series> loss, acc;
  for (size_t i : order) {
    const InitLabRun& run = r.runs[i];
    svg::Series base{run.initializer, color_of(i), svg::palette_dash(i), {}, {}, {}};
    for (int64_t step : run.eval_steps) base.x.push_back(static_cast<double>(step));
    svg::Series l = base, a = base;
    l.y = run.eval_loss;
    a.y = run.eval_accuracy;
    for (int64_t step : run.eval_steps) base.point_labels.push_back(fmt::format("step {}", step));
    l.point_labels = a.point_labels = base.point_labels;
    loss.push_back(std::move(l));
    acc.push_back(std::move(a));
  }
  std::string s;
  s += figure(svg::line_chart({.title = "Held-out loss during training",
                               .x_label = "training step",
                               .y_label = "loss",
                               .log_y = true,
                               .integer_x = true},
                              loss),
              "The loss on the held-out samples at each evaluation (step 0 is the untrained network). A line that "
              "stops has diverged.");
  s += figure(svg::line_chart({.title = "Held-out accuracy during training",
                               .x_label = "training step",
                               .y_label = "accuracy",
                               .integer_x = true,
                               .percent_y = true,
                               .y_min = 0,
                               .y_max = 1},
                              acc),
              "Accuracy on the same held-out samples.");
  return s;
}

std::string layer_table(const InitLabRun& run) {
  std::string s =
      R"(<table class="layers"><thead><tr><th>#</th><th>layer</th><th>class</th><th>activation</th>)"
      R"(<th>mean a</th><th>std a</th><th>std z</th><th>saturated</th><th>dead</th><th>std ∂L/∂z</th>)"
      R"(<th>std ∂L/∂W</th><th>std W</th></tr></thead><tbody>)"
      "\n";
  for (const LayerStats& l : run.at_init.layers) {
    s += fmt::format(
        R"(<tr><td class="num">{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td>)"
        R"(<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>)"
        "\n",
        l.index, escape(l.layer), escape(l.class_name), escape(l.activation), svg::short_number(l.activation_mean),
        svg::short_number(l.activation_std), std::isnan(l.pre_activation_std) ? "" : svg::short_number(l.pre_activation_std),
        fraction_or_blank(l.saturated_fraction), fraction_or_blank(l.dead_fraction),
        std::isnan(l.pre_activation_gradient_std) ? "" : svg::short_number(l.pre_activation_gradient_std),
        std::isnan(l.weight_gradient_std) ? "" : svg::short_number(l.weight_gradient_std),
        std::isnan(l.weight_std) ? "" : svg::short_number(l.weight_std));
  }
  return s + "</tbody></table>\n";
}

std::string run_cards(const InitLabResult& r, const std::vector<size_t>& order) {
  std::string s;
  int rank = 0;
  for (size_t i : order) {
    const InitLabRun& run = r.runs[i];
    ++rank;
    s += fmt::format("<div class=\"card\" id=\"run-{}\">\n<h3>{}. {}{}</h3>\n", i, rank, swatch(i), escape(run.initializer));
    if (!run.description.empty()) s += "<div class=\"mono muted\">" + escape(run.description) + "</div>\n";
    if (run.diverged) {
      s += "<p class=\"error\"><span class=\"chip chip-diverged\">diverged</span> " +
           escape(run.error.empty() ? std::string("training stopped on a non-finite value") : run.error) + "</p>\n";
    }
    // A kind that concerns many layers (dead in 20, say) shows its first two;
    // the rest fold into one line that opens.
    auto item = [](const Verdict& v) {
      return fmt::format("<li><span class=\"{}\">{}</span> {}{}</li>\n", kind_class(v.kind), escape(verdict_name(v.kind)),
                         v.layer.empty() ? "" : "<span class=\"mono\">" + escape(v.layer) + "</span>: ",
                         escape(v.message));
    };
    constexpr size_t kShownPerKind = 2;
    std::map<Verdict::Kind, size_t> shown;
    std::map<Verdict::Kind, std::vector<const Verdict*>> folded;
    s += "<ul class=\"verdicts\">\n";
    for (const Verdict& v : run.verdicts) {
      if (!v.layer.empty() && shown[v.kind]++ >= kShownPerKind) {
        folded[v.kind].push_back(&v);
      } else {
        s += item(v);
      }
    }
    for (const auto& [kind, vs] : folded) {
      const std::string names = vs.size() == 1 ? fmt::format("'{}'", escape(vs.front()->layer))
                                               : fmt::format("'{}' … '{}'", escape(vs.front()->layer),
                                                             escape(vs.back()->layer));
      s += fmt::format("<li><details><summary>… and {} more layer{} {} ({})</summary><ul>\n", vs.size(),
                       vs.size() == 1 ? "" : "s", escape(verdict_name(kind)), names);
      for (const Verdict* v : vs) s += item(*v);
      s += "</ul></details></li>\n";
    }
    if (run.verdicts.empty()) s += "<li class=\"muted\">no verdicts recorded</li>\n";
    s += "</ul>\n";
    if (!run.notes.empty()) {
      s += "<ul class=\"notes\">\n";
      for (const std::string& n : run.notes) s += "<li>" + escape(n) + "</li>\n";
      s += "</ul>\n";
    }
    if (!run.at_init.layers.empty()) {
      s += fmt::format("<details><summary>per-layer statistics at initialization ({} layers)</summary>\n{}</details>\n",
                       run.at_init.layers.size(), layer_table(run));
    }
    s += "</div>\n";
  }
  return s;
}

std::string best_line(const InitLabResult& r, const std::vector<size_t>& order) {
  if (order.empty()) return "";
  const InitLabRun& best = r.runs[order.front()];
  if (best.diverged) return "<div class=\"best\">Every run diverged.</div>\n";
  return fmt::format("<div class=\"best\">Best: <strong>{}</strong>, {} test accuracy, test loss {}.</div>\n",
                     escape(best.initializer), percent_or_dash(best.test_accuracy), number_or_dash(best.test_loss));
}

}  // namespace

std::string init_lab_report_html(const InitLabResult& result) {
  const std::vector<size_t> order = display_order(result);
  std::string h;
  h.reserve(1 << 20);
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>Initialization lab — " + escape(result.dataset.empty() ? result.options.dataset : result.dataset) +
       "</title>\n<style>" + kCss + "</style>\n</head>\n<body>\n";
  h += "<header class=\"top\">\n<h1>Initialization lab</h1>\n";
  h += "<div class=\"sub\">" + escape(result.dataset.empty() ? result.options.dataset : result.dataset) + " · " +
       escape(result.architecture) + "</div>\n";
  h += best_line(result, order);
  h += "</header>\n<main>\n";

  h += "<section id=\"setup\">\n<h2>What was run</h2>\n" + options_block(result) + kExplanation + "</section>\n";

  h += "<section id=\"ranking\">\n<h2>Ranking</h2>\n<p class=\"lead\">Best first: by test accuracy after training, then "
       "by loss; diverged runs last. The verdicts are on the untrained network — hover a chip for its numbers.</p>\n";
  h += result.runs.empty() ? std::string("<p class=\"muted\">No runs.</p>\n") : ranking_table(result, order);
  h += "</section>\n";

  h += "<section id=\"signal\">\n<h2>The signal at initialization</h2>\n" + std_charts(result, order) + "</section>\n";

  h += "<section id=\"histograms\">\n<h2>Distributions at initialization</h2>\n";
  h += "<p class=\"lead\">One heatmap per initializer: a row per layer (input side at the top), a column per histogram "
       "bin, the colour the fraction of the batch's values in that bin. Each row has its own range, printed at its "
       "right; the orange tick marks 0. A row squeezed into one bin has collapsed; one piled at both ends is "
       "saturated.</p>\n";
  h += "<figure>" + svg::heat_legend() + "<figcaption>colour: fraction of the layer's samples in a bin</figcaption></figure>\n";
  h += "<h3>Activations a</h3>\n" + heatmaps(result, order, false);
  h += "<h3>Gradients ∂L/∂z</h3>\n" + heatmaps(result, order, true) + "</section>\n";

  h += "<section id=\"training\">\n<h2>Training</h2>\n" + training_charts(result, order) + "</section>\n";

  h += "<section id=\"runs\">\n<h2>Each initializer</h2>\n<p class=\"lead\">The verdicts with their numbers, the "
       "advisor's warnings and, for LSUV, its per-layer report.</p>\n" +
       run_cards(result, order) + "</section>\n";

  h += "<footer>Written by initlab. The complete result is embedded below as JSON (script #initlab-data) for tools to "
       "read back.</footer>\n</main>\n";
  h += "<script type=\"application/json\" id=\"initlab-data\">" + embedded_json(result) + "</script>\n";
  h += "</body>\n</html>\n";
  return h;
}

void write_init_lab_report(const InitLabResult& result, const std::string& path) {
  write_file_atomically(path, init_lab_report_html(result));
}

}  // namespace initlab
