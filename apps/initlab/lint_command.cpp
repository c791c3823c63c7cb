// initlab lint — the init advisor on a Keras model file, before any training.
// It needs shapes and initializer formulas only: the model is never built, so
// no weight is allocated however large the file says the layers are.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

#include "cli_numbers.hpp"
#include "commands.hpp"
#include "input_path.hpp"
#include "initlab/core/error.hpp"
#include "initlab/diag/advisor.hpp"
#include "initlab/io/keras_model.hpp"

namespace initlab::app {

Command add_lint_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "lint",
      "Check a Keras model file (model.to_json(), Keras 3 or tf-keras 2.x) for initialization pitfalls: constant\n"
      "hidden kernels, unscaled random_normal/random_uniform in deep tanh or sigmoid nets, glorot on deep ReLU\n"
      "stacks, he_* on tanh/sigmoid, one seeded initializer shared by several layers, very deep nets without\n"
      "normalization. Each warning says why and gives the variance arithmetic for that layer.\n"
      "Exit status: 0 no warning, 1 warnings, 2 the file cannot be read as a model.");
  auto path = std::make_shared<std::string>();
  auto shape = std::make_shared<std::vector<int64_t>>();
  auto opt = std::make_shared<AdvisorOptions>();
  auto summary = std::make_shared<bool>(false);
  cmd->add_option("config", *path, "The model file (Keras JSON)")->required()->check(regular_file());
  cmd->add_option("--input-shape", *shape, "Input shape of one sample when the file gives none, e.g. 784 or 28,28,1")
      ->delimiter(',')
      ->transform(positive_size());
  cmd->add_option("--deep", opt->deep, "Hidden layers of one activation from which a stack counts as deep")
      ->capture_default_str()
      ->transform(positive_size(100000));
  cmd->add_option("--very-deep", opt->very_deep, "Weighted layers from which normalization or LSUV is advised")
      ->capture_default_str()
      ->transform(positive_size(100000));
  cmd->add_flag("--lsuv", opt->lsuv, "The weights will be rescaled by LSUV before training");
  cmd->add_flag("--summary", *summary, "Print the model summary first");
  return {cmd, [=]() {
            KerasModel k = load_keras_model(*path);
            Sequential& model = k.model;
            if (!shape->empty()) {
              for (int64_t d : *shape) {
                if (d < 1) {
                  throw ValueError(fmt::format("--input-shape: every size must be >= 1, got {}", fmt::join(*shape, ",")));
                }
              }
              model.set_input_shape(Shape(*shape));
            } else if (!model.input_shape()) {
              throw ConfigError(fmt::format("{}: the model gives no input shape (no InputLayer, batch_input_shape or "
                                            "build_config); pass --input-shape, e.g. --input-shape 784",
                                            *path));
            }
            const std::vector<Advice> advice = advise(model, *opt);
            if (*summary) std::cout << model.summary() << "\n";
            else {
              const size_t n = model.layers().size();
              std::cout << fmt::format("{}: {} ({}), {} layer{}\n", *path, model.name(), k.dialect, n, n == 1 ? "" : "s");
            }
            if (advice.empty()) {
              std::cout << "no initialization warnings\n";
              return 0;
            }
            if (!*summary) {
              std::cout << fmt::format("{} warning{}\n{}", advice.size(), advice.size() == 1 ? "" : "s",
                                       format_advice(advice));
            }
            return 1;
          }};
}

}  // namespace initlab::app
