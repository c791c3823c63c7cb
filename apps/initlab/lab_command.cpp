// initlab lab — the initialization lab: one deep network, many initializers,
// the same data and training budget; tables on stdout, report.html beside.
#include <iostream>
#include <string>
#include <vector>

#include "cli_numbers.hpp"
#include "commands.hpp"
#include "initlab/lab/init_lab.hpp"

namespace initlab::app {
namespace {

// Splits at the commas outside braces, brackets and parentheses, so that a
// Keras JSON config or random_normal(0.05) stays one item; items are trimmed.
std::vector<std::string> split_top_level(const std::string& s) {
  std::vector<std::string> out;
  std::string item;
  int depth = 0;
  bool in_string = false;
  auto flush = [&] {
    const size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t");
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
    item.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\' && i + 1 < s.size()) {  // an escape: keep both characters
        item += c;
        c = s[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[' || c == '(') {
      ++depth;
    } else if (c == '}' || c == ']' || c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      flush();
      continue;
    }
    item += c;
  }
  flush();
  return out;
}

std::string join_top_level(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ",") + i;
  return s;
}

}  // namespace

Command add_lab_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "lab",
      "The initialization lab: the same deep network initialized with each initializer in turn; per-layer activation\n"
      "and gradient std at initialization, verdicts (vanishing, exploding, saturated, dead, symmetric), the advisor's\n"
      "notes, a fixed training budget, a ranked table, and a self-contained report.html with plots.\n"
      "Example: initlab lab --dataset spiral --activation tanh --depth 10 --init glorot_uniform,he_normal,lsuv");
  auto o = std::make_shared<InitLabOptions>();
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("--dataset", o->dataset,
                  "auto (Fashion-MNIST when installed, else spiral), fashion_mnist, circle, xor, gauss or spiral")
      ->capture_default_str();
  cmd->add_option("--activation", o->activation, "Hidden activation: relu, tanh, sigmoid, elu, selu, gelu, ...")
      ->capture_default_str();
  cmd->add_option("--depth", o->depth, "Hidden Dense layers")->capture_default_str()->transform(positive_size(1000));
  cmd->add_option("--width", o->width, "Units per hidden layer")->capture_default_str()->transform(positive_size(1 << 16));
  auto inits = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--init", *inits,
                  "Initializers, comma-separated (or --init repeated): Keras ids, id(scale) shorthands such as\n"
                  "random_normal(0.05), Keras JSON configs, or lsuv. Default: " +
                      join_top_level(o->initializers));
  cmd->add_option("--optimizer", o->optimizer, "sgd (with momentum), adam or rmsprop")
      ->capture_default_str()
      ->transform(one_of({"sgd", "adam", "rmsprop"}));
  cmd->add_option("--learning-rate", o->learning_rate, "Learning rate")->capture_default_str()->transform(positive_number());
  cmd->add_option("--momentum", o->momentum, "SGD momentum")->capture_default_str()->transform(finite_number_in(0.0, 0.9999));
  cmd->add_flag("--batch-norm", o->batch_norm, "BatchNormalization after every hidden Dense (hides most of the effect)");
  cmd->add_option("--steps", o->steps, "Training steps per initializer")->capture_default_str()->transform(positive_size(10000000));
  cmd->add_option("--batch-size", o->batch_size, "Batch size")->capture_default_str()->transform(positive_size(1 << 20));
  cmd->add_option("--evaluations", o->evaluations, "Points on each loss curve (step 0 included)")
      ->capture_default_str()
      ->transform(integer_in(2, 1000));
  cmd->add_option("--eval-samples", o->eval_samples, "Held-out samples for each point on the curves")
      ->capture_default_str()
      ->transform(positive_size(1 << 24));
  cmd->add_option("--bins", o->histogram_bins, "Histogram bins per layer")->capture_default_str()->transform(integer_in(3, 1000));
  cmd->add_option("--seed", o->seed, "Global seed: the data, every initializer and the batches")
      ->capture_default_str()
      ->transform(seed_number());
  cmd->add_option("--report", o->report, "The HTML report to write (empty: none)")->capture_default_str();
  cmd->add_flag("--quiet", *quiet, "No progress bar");
  return {cmd, [=]() {
            InitLabOptions opt = *o;
            if (!inits->empty()) {
              opt.initializers.clear();
              for (const auto& arg : *inits) {
                for (auto& one : split_top_level(arg)) opt.initializers.push_back(std::move(one));
              }
            }
            if (*quiet) opt.progress = false;
            run_init_lab(opt, std::cout);
            return 0;
          }};
}

}  // namespace initlab::app
