// Subcommands of the initlab program. Each registers itself on the CLI11 app
// and returns the function to run when it is chosen.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace initlab::app {

/// A registered subcommand and what runs when it is chosen.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_init_command(CLI::App& app);
Command add_demo_command(CLI::App& app);
Command add_train_command(CLI::App& app);
Command add_theory_command(CLI::App& app);
Command add_lab_command(CLI::App& app);
Command add_lint_command(CLI::App& app);
Command add_inspect_command(CLI::App& app);
Command add_diff_command(CLI::App& app);
Command add_predict_command(CLI::App& app);
Command add_convert_command(CLI::App& app);

}  // namespace initlab::app
