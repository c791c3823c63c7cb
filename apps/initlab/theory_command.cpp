// initlab theory — mean-field predictions for a deep fully-connected net at
// initialization, beside what a real initlab net measures.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>

#include "cli_numbers.hpp"
#include "commands.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/number_format.hpp"
#include "initlab/diag/mean_field.hpp"
#include "table.hpp"

namespace initlab::app {
namespace {

struct TheoryOptions {
  std::string activation = "tanh";
  double sigma_w2 = 1.0;
  double sigma_b2 = 0.05;
  int depth = 20;
  double input_q = 1.0;
  int64_t width = 256;
  int64_t batch = 512;
  uint64_t seed = 1;
  bool critical = false;
  bool no_measure = false;
};

std::string num(double x) { return std::isinf(x) ? (x > 0 ? "∞" : "−∞") : pretty_number(x); }

std::string critical_text(double s) {
  return std::isnan(s) ? std::string("none in [0.001, 10000] (χ₁ never reaches 1)") : fmt::format("{:.6g}", s);
}

int run_critical(const TheoryOptions& o, const Activation& act) {
  std::cout << fmt::format("critical σ_w² for {} at σ_b² = {}: {}\n\n", act.name(), pretty_number(o.sigma_b2),
                           critical_text(critical_sigma_w2(act, o.sigma_b2)));
  Table table({"σ_b²", "critical σ_w²", "q* there"}, {true, true, true});
  for (double b2 : {0.0, 0.01, 0.05, 0.1, 0.2, 0.5}) {
    const double s = critical_sigma_w2(act, b2);
    table.add_row({pretty_number(b2), critical_text(s), std::isnan(s) ? "—" : num(length_fixed_point(act, s, b2))});
  }
  std::cout << table.str();
  std::cout << "\nAt the critical σ_w², χ₁ = σ_w² ∫Dz φ'(√q* z)² = 1: the edge of chaos, where the correlation "
               "depth scale ξ_c is infinite.\n";
  return 0;
}

int run_theory(const TheoryOptions& o) {
  const Activation act(o.activation);
  if (o.critical) return run_critical(o, act);
  const MeanFieldResult r = mean_field(
      {.activation = act, .sigma_w2 = o.sigma_w2, .sigma_b2 = o.sigma_b2, .depth = o.depth, .input_q = o.input_q});
  const double crit = critical_sigma_w2(act, o.sigma_b2);

  std::cout << fmt::format(
      "Mean-field theory of {} nets: W ~ N(0, σ_w²/fan_in), b ~ N(0, σ_b²), σ_w² = {}, σ_b² = {}, input q = {}\n"
      "(Poole et al. 2016; Schoenholz et al. 2017)\n\n",
      act.name(), pretty_number(o.sigma_w2), pretty_number(o.sigma_b2), pretty_number(o.input_q));
  const char* why = r.phase == Phase::kOrdered    ? "χ₁ < 1: inputs grow alike with depth (c* = 1)"
                    : r.phase == Phase::kChaotic ? "χ₁ > 1: nearby inputs decorrelate (c* < 1)"
                                                 : "χ₁ ≈ 1: the edge of chaos";
  Table t({"quantity", "value", "meaning"}, {false, true, false});
  t.add_row({"q*", num(r.q_star), "fixed point of the length map q ↦ σ_w² ∫Dz φ(√q z)² + σ_b²"});
  t.add_row({"χ₁", num(r.chi1), "σ_w² ∫Dz φ'(√q* z)²"});
  t.add_row({"c*", num(r.c_star), "stable fixed point of the correlation map"});
  t.add_row({"χ_c", num(r.chi_c), "slope of the correlation map at c*"});
  t.add_row({"ξ_c", num(r.xi_c), "correlation depth scale −1/ln χ_c"});
  t.add_row({"6 ξ_c", num(r.trainable_depth), "deeper nets are not expected to train (Schoenholz et al.)"});
  t.add_row({"ξ_q", num(r.xi_q), "length depth scale −1/ln(slope of the length map at q*)"});
  t.add_row({"phase", phase_name(r.phase), why});
  t.add_row({"critical σ_w²", critical_text(crit), fmt::format("where χ₁ = 1 for {} at σ_b² = {}", act.name(),
                                                              pretty_number(o.sigma_b2))});
  std::cout << t.str();

  std::vector<VarianceMeasurement> meas;
  if (!o.no_measure) {
    meas = measured_preactivation_variance({.activation = act, .sigma_w2 = o.sigma_w2, .sigma_b2 = o.sigma_b2,
                                            .depth = o.depth, .width = o.width, .batch = o.batch, .seed = o.seed,
                                            .input_q = o.input_q});
    std::cout << fmt::format("\nPer layer: predicted q^l against mean(z²) of a real net ({} Dense layers of width {}, "
                             "{} inputs x ~ N(0, {}), seed {})\n\n",
                             o.depth, o.width, o.batch, pretty_number(o.input_q), o.seed);
  } else {
    std::cout << "\nPer layer: predicted q^l\n\n";
  }
  Table layers(meas.empty() ? std::vector<std::string>{"layer", "predicted q"}
                            : std::vector<std::string>{"layer", "predicted q", "measured", "± se", "rel. diff"},
               {true, true, true, true, true});
  for (int l = 0; l < o.depth; ++l) {
    std::vector<std::string> row{std::to_string(l + 1), num(r.q[l])};
    if (!meas.empty()) {
      const double m = meas[l].variance, q = r.q[l];
      row.push_back(num(m));
      row.push_back(num(meas[l].standard_error));
      row.push_back(std::isfinite(q) && q > 0 ? fmt::format("{:+.2f}%", 100 * (m - q) / q) : "—");
    }
    layers.add_row(std::move(row));
  }
  std::cout << layers.str();
  if (!meas.empty()) {
    std::cout << "\nmeasured is the mean of z² over every unit and input of the layer; ± se is that layer's own "
                 "sampling error\n(spread over units / √width). Errors of earlier layers add to it, so deep layers "
                 "stray by more (ReLU\nnets most: about √(5·layer/width) relative), and theory is exact only as "
                 "width → ∞.\n";
  }
  return 0;
}

}  // namespace

Command add_theory_command(CLI::App& app) {
  auto o = std::make_shared<TheoryOptions>();
  CLI::App* cmd = app.add_subcommand(
      "theory", "Mean-field signal propagation: q*, χ₁, c*, depth scales, phase and the critical σ_w²");
  cmd->footer(
      "Weights W ~ N(0, σ_w²/fan_in), biases ~ N(0, σ_b²). The phase is ordered when χ₁ < 1, chaotic when "
      "χ₁ > 1,\ncritical within 0.001 of 1. Integrals: Gauss–Legendre panels in double over initlab's float32 "
      "activation.\n\n"
      "Examples:\n"
      "  initlab theory --activation tanh --sigma-w2 1.5 --sigma-b2 0.05 --depth 20\n"
      "  initlab theory --activation relu --sigma-w2 2 --sigma-b2 0 --width 1024\n"
      "  initlab theory --activation tanh --sigma-b2 0.05 --critical");
  cmd->add_option("--activation", o->activation,
                  "Keras activation: tanh, relu, sigmoid, linear, elu, selu, gelu, swish, softplus, leaky_relu")
      ->capture_default_str();
  cmd->add_option("--sigma-w2", o->sigma_w2, "Weight variance times fan-in, σ_w² (> 0)")
      ->capture_default_str()
      ->transform(positive_number());
  cmd->add_option("--sigma-b2", o->sigma_b2, "Bias variance σ_b² (>= 0)")
      ->capture_default_str()
      ->transform(finite_number_in(0, std::numeric_limits<float>::max()));
  cmd->add_option("--depth", o->depth, "Layers to predict (and to measure)")->capture_default_str()->transform(positive_size(10000));
  cmd->add_option("--input-q", o->input_q, "Mean of x_i² over the input's components")
      ->capture_default_str()
      ->transform(finite_number_in(0, std::numeric_limits<float>::max()));
  cmd->add_option("--width", o->width, "Units per layer of the measured net")->capture_default_str()->transform(integer_in(2, 16384));
  cmd->add_option("--batch", o->batch, "Random inputs fed to the measured net")
      ->capture_default_str()
      ->transform(positive_size(1 << 20));
  cmd->add_option("--seed", o->seed, "Seed of the measured net's weights and inputs")
      ->capture_default_str()
      ->transform(seed_number());
  cmd->add_flag("--critical", o->critical,
                "Only the critical σ_w² (χ₁ = 1) for this activation and σ_b², and a table over several σ_b²");
  cmd->add_flag("--no-measure", o->no_measure, "Predictions only: do not build and run a net");
  return {cmd, [o]() { return run_theory(*o); }};
}

}  // namespace initlab::app
