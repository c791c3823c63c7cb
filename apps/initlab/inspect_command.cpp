// initlab inspect — what a weight file really holds: per-tensor statistics,
// identical units, the initializers the values are consistent with (and the
// exact seed and name of bit-identical initial weights), and one verdict for
// the file: untrained, partially trained, trained or damaged.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_numbers.hpp"
#include "commands.hpp"
#include "input_path.hpp"
#include "initlab/core/number_format.hpp"
#include "initlab/diag/weight_forensics.hpp"
#include "table.hpp"
#include "initlab/lab/weight_file.hpp"

namespace initlab::app {
namespace {

struct InspectOptions {
  std::string path;
  bool json = false;
  bool all_tests = false;
  bool no_search = false;
  std::string layout = "auto";
  double alpha = 1e-6;
  std::vector<uint64_t> seeds;
  std::vector<std::string> names;
};

nlohmann::json fans_json(const std::optional<Fans>& f) {
  if (!f) return nullptr;
  return nlohmann::json::array({f->fan_in, f->fan_out});
}

nlohmann::json report_json(const std::string& path, const ForensicsReport& rep, const InspectOptions& o) {
  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& t : rep.tensors) {
    nlohmann::json tests = nlohmann::json::array();
    for (const auto& m : t.tests) {
      tests.push_back({{"initializer", m.initializer}, {"test", m.test}, {"p_value", m.p_value},
                       {"consistent", m.consistent}, {"detail", m.detail}, {"fans", fans_json(m.fans)}});
    }
    const auto& s = t.stats;
    nlohmann::json j = {
        {"name", t.name},
        {"role", t.role},
        {"shape", s.shape.dims()},
        {"dtype", s.dtype},
        {"layout", to_string(t.layout)},
        {"fans", fans_json(t.fans)},
        {"stats",
         {{"count", s.count}, {"mean", s.mean}, {"std", s.stddev}, {"min", s.min}, {"max", s.max}, {"nan", s.nan},
          {"inf", s.inf}, {"denormal", s.denormal}, {"zeros", s.zeros}}},
        {"state", to_string(t.state)},
        {"verdict", t.verdict},
        {"tests", tests},
        {"identical_units", t.identical_units},
        {"identical_inputs", t.identical_inputs},
        {"notes", t.notes},
        {"exact", nullptr}};
    if (t.exact) {
      j["exact"] = {{"initializer", t.exact->initializer}, {"seed", t.exact->seed},
                    {"name", t.exact->explicit_seed ? nlohmann::json(nullptr) : nlohmann::json(t.exact->name)},
                    {"explicit_seed", t.exact->explicit_seed}};
    }
    tensors.push_back(std::move(j));
  }
  return {{"file", path},
          {"alpha", o.alpha},
          {"verdict", to_string(rep.verdict)},
          {"verdict_line", rep.verdict_line},
          {"never_moved", rep.never_moved},
          {"damaged", rep.damaged},
          {"tensors", tensors}};
}

std::string count_text(int64_t n) { return n == 0 ? "" : std::to_string(n); }

void print_report(const std::string& path, size_t tensors, const ForensicsReport& rep, const InspectOptions& o) {
  const std::string layout = rep.tensors.empty() ? "keras" : to_string(rep.tensors.front().layout);
  std::cout << fmt::format("{}: {} tensor{}, {} layout{}\n\n", path, tensors, tensors == 1 ? "" : "s", layout,
                           o.layout == "auto" ? " (from the names)" : "");
  Table table({"tensor", "shape", "dtype", "mean", "std", "min", "max", "zeros", "NaN", "Inf", "denormal", "state"},
              {false, false, false, true, true, true, true, true, true, true, true, false});
  for (const auto& t : rep.tensors) {
    const auto& s = t.stats;
    table.add_row({t.name, s.shape.str(), s.dtype, pretty_number(s.mean), pretty_number(s.stddev), pretty_number(s.min),
                   pretty_number(s.max), count_text(s.zeros), count_text(s.nan), count_text(s.inf),
                   count_text(s.denormal), to_string(t.state)});
  }
  std::cout << table.str() << "\n";
  for (const auto& t : rep.tensors) {
    std::cout << fmt::format("{}: {}\n", t.name, t.verdict);
    for (const auto& n : t.notes) std::cout << "    " << n << "\n";
    if (o.all_tests) {
      for (const auto& m : t.tests) std::cout << "    " << m.str() << "\n";
    }
  }
  std::cout << "\nverdict: " << rep.verdict_line << "\n";
}

}  // namespace

Command add_inspect_command(CLI::App& app) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "inspect",
      "What a weight file really holds. For every tensor: shape, dtype, mean, std, min, max, counts of NaN, Inf,\n"
      "denormals and zeros; units that are identical (symmetric, for ever); which initializers the values are\n"
      "consistent with for the tensor's fans (uniform families: the bound and a KS test; normal ones: a KS test\n"
      "against the exact, truncated where it is, distribution; orthogonal; constants), and when the values are\n"
      "bit-identical to an initlab initializer, the seed and variable name that drew them (seeds 0-100, 1234, 1337,\n"
      "2024, 12345, 31337, those in the file's metadata and --seed). Then one verdict: untrained, partially\n"
      "trained (which tensors never moved), trained, or damaged.\n"
      "Reads .keras, .weights.h5, tf-keras .h5, .safetensors, .npz, .npy and initlab checkpoints. PyTorch names\n"
      "(0.weight, *.running_mean) mean PyTorch's layout (out, in).\n"
      "Exit status: 0 judged, 1 damaged (or the file cannot be read), 2 not a weight file or bad options.\n"
      "Examples:\n"
      "  initlab init glorot_uniform --shape 784,64 --seed 1234 --name layer1/kernel --out k.npy\n"
      "  initlab inspect k.npy              # the untrained initial weights: glorot_uniform, seed 1234, ...\n"
      "  initlab inspect model.safetensors --json\n"
      "  initlab inspect weights.safetensors --seed 777 --name encoder/kernel --all");
  cmd->add_option("file", o->path, "The weight or model file")->required()->check(regular_file());
  cmd->add_flag("--json", o->json, "Print the report as JSON");
  cmd->add_flag("--all", o->all_tests, "List every initializer tested for each tensor, with its test");
  cmd->add_option("--alpha", o->alpha, "Significance: a family is consistent when its p-value is at least this")
      ->capture_default_str()
      ->transform(finite_number_in(1e-300, 0.5));
  cmd->add_option("--seed", o->seeds, "Also try this seed when looking for the exact initial weights (repeatable)")
      ->transform(seed_number());
  cmd->add_option("--name", o->names, "Also try this variable name, e.g. encoder/kernel (repeatable)");
  cmd->add_flag("--no-seed-search", o->no_search, "Skip the search for the exact seed and name");
  cmd->add_option("--layout", o->layout, "Kernel layout: auto (from the names), keras (in, out), pytorch (out, in)")
      ->capture_default_str()
      ->transform(one_of({"auto", "keras", "pytorch"}));
  return {cmd, [o]() {
            const TensorSet set = read_weight_file(o->path);
            std::optional<WeightLayout> layout;
            if (o->layout == "keras") layout = WeightLayout::kKeras;
            if (o->layout == "pytorch") layout = WeightLayout::kPyTorch;
            ForensicsOptions fo;
            fo.alpha = o->alpha;
            fo.search_seeds = !o->no_search;
            fo.extra_seeds = metadata_seeds(set);
            fo.extra_seeds.insert(fo.extra_seeds.end(), o->seeds.begin(), o->seeds.end());
            fo.extra_names = o->names;
            const ForensicsReport rep = analyze_weights(forensic_tensors(set, layout), fo);
            if (o->json) {
              std::cout << report_json(o->path, rep, *o).dump(2) << "\n";
            } else {
              print_report(o->path, set.size(), rep, *o);
            }
            return rep.verdict == FileVerdict::kDamaged ? 1 : 0;
          }};
}

}  // namespace initlab::app
