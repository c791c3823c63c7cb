// initlab — command-line entry point.
//
// Exit status: 0 done, 1 a file could not be read or written (or lint found
// warnings), 2 bad input (a usage error, a bad value, a request beyond the
// memory budget or the machine's memory), 3 an internal error.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <new>
#include <optional>
#include <vector>

#include "cli_text.hpp"
#include "commands.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/suggest.hpp"

namespace {

using initlab::app::in_quotes;

// A usage error found before CLI11 parses (an unknown command word).
struct UsageError {
  std::string message;
};

std::vector<CLI::App*> subcommands_of(CLI::App* level) {
  return level->get_subcommands([](CLI::App*) { return true; });
}

std::vector<std::string> names_of(const std::vector<CLI::App*>& apps) {
  std::vector<std::string> names;
  for (const CLI::App* a : apps) names.push_back(a->get_name());
  return names;
}

// "initlab", "initlab demo": the command path of `level` for messages.
std::string path_of(const CLI::App* level) {
  std::string path;
  for (const CLI::App* a = level; a != nullptr; a = a->get_parent()) {
    path = (a->get_parent() == nullptr ? std::string("initlab") : a->get_name()) + (path.empty() ? "" : " " + path);
  }
  return path;
}

bool asks_for_help_or_version(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--") break;
    if (a == "-h" || a == "--help" || a == "--help-all" || a == "--version") return true;
  }
  return false;
}

// Every word that names a command ("demo coffee") must be a known one: CLI11
// would take an unknown one for a stray argument and say "A subcommand is
// required". Refused here with the word and the closest command.
void check_command_words(CLI::App& app, const std::vector<std::string>& args) {
  CLI::App* level = &app;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") return;
    if (!a.empty() && a[0] == '-') {
      // An option of this level; skip its value when it takes one.
      const CLI::Option* opt = a.find('=') == std::string::npos ? level->get_option_no_throw(a) : nullptr;
      if (opt != nullptr && opt->get_items_expected_min() > 0) ++i;
      continue;
    }
    const auto subs = subcommands_of(level);
    CLI::App* chosen = nullptr;
    for (CLI::App* s : subs) {
      if (s->check_name(a)) chosen = s;
    }
    if (chosen == nullptr) {
      const auto names = names_of(subs);
      const auto near = initlab::closest_word(a, names);
      const bool top = level == &app;
      throw UsageError{fmt::format("{}unknown command {}{}; {}commands: {}", top ? "" : level->get_name() + ": ",
                                   in_quotes(a), near ? fmt::format(" (did you mean '{}'?)", *near) : "",
                                   top ? "" : level->get_name() + " ", fmt::join(names, ", "))};
    }
    level = chosen;
    if (subcommands_of(level).empty()) return;  // the rest are this command's arguments
  }
  // The words end at a level that needs a command: name them.
  if (level->get_require_subcommand_min() > 0 && !asks_for_help_or_version(args)) {
    throw UsageError{fmt::format("{}name a command: {} (see {} --help)",
                                 level == &app ? "" : level->get_name() + ": ",
                                 fmt::join(names_of(subcommands_of(level)), ", "), path_of(level))};
  }
}

// The deepest command that CLI11 chose.
CLI::App* chosen_command(CLI::App& app) {
  CLI::App* level = &app;
  for (bool deeper = true; deeper;) {
    deeper = false;
    for (CLI::App* s : subcommands_of(level)) {
      if (s->parsed()) {
        level = s;
        deeper = true;
        break;
      }
    }
  }
  return level;
}

// "The following argument was not expected: --bogus" → the argument, the
// command it was given to, and the closest option of that command.
std::string extras_message(CLI::App& app) {
  CLI::App* level = chosen_command(app);
  std::vector<std::string> extras = app.remaining(true);
  std::vector<std::string> names;
  for (const CLI::Option* o : level->get_options()) {
    for (const auto& l : o->get_lnames()) names.push_back("--" + l);
    for (const auto& s : o->get_snames()) names.push_back("-" + s);
  }
  const std::string where = level->get_parent() == nullptr ? "initlab" : level->get_name();
  if (extras.empty()) return where + ": unexpected arguments";
  const std::string& first = extras.front();
  std::string message;
  if (first.size() > 1 && first[0] == '-' && !(first[1] >= '0' && first[1] <= '9') && first[1] != '.') {
    const std::string name = first.substr(0, first.find('='));
    const auto near = initlab::plausible_word(name, names);
    message = fmt::format("{}: unknown option {}{}", where, in_quotes(name),
                          near ? fmt::format(" (did you mean '{}'?)", *near) : "");
  } else {
    message = fmt::format("{}: unexpected argument {}", where, in_quotes(first));
  }
  return message + fmt::format(" (see {} --help)", path_of(level));
}

// CLI11's wording of a repeated or value-less option, as initlab says it.
std::string reworded(std::string m) {
  if (const size_t at = m.find(": At Most 1 required but received "); at != std::string::npos) {
    const std::string n = m.substr(at + 34);
    return m.substr(0, at) + ": given " + n + " times; give it once";
  }
  if (const size_t at = m.find(": 1 required "); at != std::string::npos && m.size() > 8 &&
      m.compare(m.size() - 8, 8, " missing") == 0) {
    const std::string type = m.substr(at + 13, m.size() - 8 - at - 13);
    return m.substr(0, at) + ": a value is missing after it (" + type + ")";
  }
  return m;
}

int fail(const std::string& message, const std::vector<std::string>& args, int code) {
  std::cerr << (code == 3 ? "initlab: internal error: " : "initlab: error: ")
            << initlab::app::shorten_message(message, args) << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  CLI::App app{"initlab — see what weight initialization does.\n"
               "Every initializer of Keras and PyTorch, exact, reproducible and fast."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "initlab 0.1.0");
  try {
    const std::vector<initlab::app::Command> commands = {
        initlab::app::add_init_command(app),
        initlab::app::add_demo_command(app),
        initlab::app::add_train_command(app),
        initlab::app::add_theory_command(app),
        initlab::app::add_lab_command(app),
        initlab::app::add_lint_command(app),
        initlab::app::add_inspect_command(app),
        initlab::app::add_diff_command(app),
        initlab::app::add_predict_command(app),
        initlab::app::add_convert_command(app),
    };
    try {
      check_command_words(app, args);
      app.parse(argc, argv);
    } catch (const UsageError& e) {
      return fail(e.message, args, 2);
    } catch (const CLI::CallForHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
      return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
      return app.exit(e);
    } catch (const CLI::ExtrasError&) {
      return fail(extras_message(app), args, 2);
    } catch (const CLI::ParseError& e) {
      return fail(fmt::format("{} (see {} --help)", reworded(e.what()), path_of(chosen_command(app))), args, 2);
    }
    for (const auto& cmd : commands) {
      if (cmd.app->parsed()) return cmd.run();
    }
  } catch (const initlab::IoError& e) {
    return fail(e.what(), args, 1);
  } catch (const initlab::Error& e) {
    return fail(e.what(), args, 2);
  } catch (const std::bad_alloc&) {
    return fail("out of memory: the machine could not give what this command asked for; use smaller sizes "
                "(initlab checks large tensors against INITLAB_MEMORY_LIMIT or the memory available)",
                args, 2);
  } catch (const std::length_error& e) {
    return fail(fmt::format("out of memory: a size is beyond what can be allocated ({})", e.what()), args, 2);
  } catch (const std::exception& e) {
    return fail(e.what(), args, 3);
  }
  return 0;
}
