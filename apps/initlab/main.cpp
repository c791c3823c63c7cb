// initlab — command-line entry point.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <vector>

#include "commands.hpp"
#include "initlab/core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"initlab — see what weight initialization does.\n"
               "Every initializer of Keras and PyTorch, exact, reproducible and fast."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "initlab 0.1.0");
  const std::vector<initlab::app::Command> commands = {
      initlab::app::add_init_command(app),
      initlab::app::add_demo_command(app),
      initlab::app::add_train_command(app),
      initlab::app::add_theory_command(app),
      initlab::app::add_lab_command(app),
      initlab::app::add_lint_command(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "initlab: error: " << e.what() << " (see initlab --help)\n";
    return 2;
  }
  try {
    for (const auto& cmd : commands) {
      if (cmd.app->parsed()) return cmd.run();
    }
  } catch (const initlab::IoError& e) {
    std::cerr << "initlab: error: " << e.what() << "\n";
    return 1;
  } catch (const initlab::Error& e) {
    std::cerr << "initlab: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "initlab: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
