// initlab demo — small, printed experiments for learners.
#include <iostream>
#include <nlohmann/json.hpp>

#include "initlab/core/error.hpp"

#include "cli_numbers.hpp"
#include "commands.hpp"
#include "initlab/init/initializer.hpp"
#include "initlab/lab/coffee_lab.hpp"
#include "initlab/lab/restore_demo.hpp"

namespace initlab::app {

Command add_demo_command(CLI::App& app) {
  CLI::App* demo = app.add_subcommand("demo", "Printed experiments: why initial weights are random");
  demo->require_subcommand(1);

  auto coffee_opt = std::make_shared<CoffeeLabOptions>();
  CLI::App* coffee = demo->add_subcommand(
      "coffee", "The coffee-roasting lab: a 2-3-1 sigmoid network, its random initial weights, training, predictions");
  coffee->add_option("--seed", coffee_opt->seed, "Global seed (the lab uses 1234)")
      ->capture_default_str()
      ->transform(seed_number());
  coffee->add_option("--epochs", coffee_opt->epochs, "Training epochs")->capture_default_str()->transform(integer_in(1, 1000));
  coffee->add_option("--tile", coffee_opt->tile, "Copies of the 200 roasts to train on")
      ->capture_default_str()
      ->transform(positive_size(100000));

  auto sym_opt = std::make_shared<SymmetryOptions>();
  CLI::App* sym = demo->add_subcommand(
      "symmetry", "Train from zeros (or any constant) and from random weights: constant hidden units stay identical");
  sym->add_option("--seed", sym_opt->seed, "Global seed")->capture_default_str()->transform(seed_number());
  sym->add_option("--iterations", sym_opt->iterations, "Passes over the 200 roasts")
      ->capture_default_str()
      ->transform(positive_size(100000));
  sym->add_option("--init", sym_opt->constant_init, "The constant start: zeros, ones, or a Keras config")
      ->capture_default_str();
  sym->add_option("--learning-rate", sym_opt->learning_rate, "Adam learning rate")
      ->capture_default_str()
      ->transform(positive_number());
  sym->add_option("--batch-size", sym_opt->batch_size, "Batch size")->capture_default_str()->transform(positive_size(200));

  auto restore_opt = std::make_shared<RestoreDemoOptions>();
  CLI::App* restore = demo->add_subcommand(
      "restore",
      "Why are these random weights and not mine? Save a trained model and restore it (same predictions); a\n"
      "checkpoint with a renamed layer, a missing layer and a wrong shape refused with the full list; what a partial\n"
      "load skips; and a model built again instead of restored, caught by inspect and diff");
  restore->add_option("--seed", restore_opt->seed, "Global seed")->capture_default_str()->transform(seed_number());
  restore->add_option("--epochs", restore_opt->epochs, "Training epochs")->capture_default_str()->transform(integer_in(1, 1000));
  restore->add_option("--dir", restore_opt->dir, "Keep the files in this folder (default: a temporary one, removed)");

  return {demo, [=]() {
            if (coffee->parsed()) {
              run_coffee_lab(std::cout, *coffee_opt);
            } else if (sym->parsed()) {
              if (Initializer::parse(sym_opt->constant_init).seed().has_value() ||
                  Initializer::parse(sym_opt->constant_init).to_config()["config"].contains("seed")) {
                throw ValueError("demo symmetry: --init must be a constant initializer (zeros, ones, constant)");
              }
              run_symmetry_demo(std::cout, *sym_opt);
            } else if (restore->parsed()) {
              run_restore_demo(std::cout, *restore_opt);
            }
            return 0;
          }};
}

}  // namespace initlab::app
