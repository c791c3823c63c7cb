// initlab init — draw, describe, compare and save initializers.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_numbers.hpp"
#include "cli_text.hpp"
#include "commands.hpp"
#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/number_format.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/core/summary.hpp"
#include "initlab/init/initializer.hpp"
#include "initlab/init/registry.hpp"
#include "initlab/io/json_value.hpp"
#include "initlab/io/npy.hpp"
#include "table.hpp"

namespace initlab::app {
namespace {

struct InitOptions {
  std::string initializer;
  std::string shape = "784,64";
  std::optional<uint64_t> seed;
  std::string name = "kernel";
  std::string out;
  std::vector<std::string> params;
  bool list = false;
  bool compare = false;
};

std::string fmt_opt(const std::optional<double>& v) { return v ? pretty_number(*v) : std::string("—"); }

bool is_field_name(const std::string& k) {
  if (k.empty() || std::isdigit(static_cast<unsigned char>(k[0]))) return false;
  return std::all_of(k.begin(), k.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// The value of --set KEY=TEXT: a number, true/false/null (Python's True, False,
// None too), a JSON array, object or string, or else the bare word as a string
// (mode=fan_out). Numbers are read exactly: a whole number stays one (up to
// 2^64 - 1), nothing beyond float32's range is taken.
nlohmann::json set_value(const std::string& key, const std::string& text) {
  const std::string where = fmt::format("--set {}", key);
  const std::string t = trim(text);
  if (t.empty()) throw ValueError(fmt::format("{}: a value is missing after '=' (e.g. --set stddev=0.1)", where));
  if (t == "true" || t == "True") return true;
  if (t == "false" || t == "False") return false;
  if (t == "null" || t == "None") return nullptr;
  if (t[0] == '{' || t[0] == '[' || t[0] == '"') return parse_json(t, where);
  const bool numeric = (std::isdigit(static_cast<unsigned char>(t[0])) || t[0] == '-' || t[0] == '+' || t[0] == '.') &&
                       t.find_first_not_of("0123456789+-.eE") == std::string::npos;
  if (!numeric) return t;
  const size_t sign = t[0] == '+' || t[0] == '-' ? 1 : 0;
  if (t.find_first_not_of("0123456789", sign) == std::string::npos && t.size() > sign) {
    const bool negative = t[0] == '-';
    uint64_t magnitude = 0;
    const auto [end, ec] = std::from_chars(t.data() + sign, t.data() + t.size(), magnitude);
    if (ec == std::errc() && end == t.data() + t.size()) {
      if (!negative) return magnitude;
      if (magnitude <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1) {
        return magnitude == 0 ? int64_t{0} : -static_cast<int64_t>(magnitude - 1) - 1;
      }
    }
    throw ValueError(fmt::format("{}: {} is beyond the range of a 64-bit integer", where, in_quotes(t)));
  }
  double v = 0;
  const auto [end, ec] = std::from_chars(t.data() + sign * (t[0] == '+'), t.data() + t.size(), v);
  if (ec == std::errc::invalid_argument || end != t.data() + t.size()) {
    throw ValueError(fmt::format("{}: {} is not a number (e.g. --set {}=0.1)", where, in_quotes(t), key));
  }
  if (ec == std::errc::result_out_of_range || std::fabs(v) > std::numeric_limits<float>::max()) {
    const bool tiny = ec == std::errc::result_out_of_range && t.find_first_of("eE") != std::string::npos &&
                      t.find('-', t.find_first_of("eE")) != std::string::npos;
    throw ValueError(fmt::format("{}: {} is {}", where, in_quotes(t),
                                 tiny ? "too small for float32 (it would be 0)"
                                      : "beyond the range of float32 (±3.4e+38), which initlab's tensors hold"));
  }
  if (v != 0 && static_cast<float>(v) == 0) {
    throw ValueError(fmt::format("{}: {} is too small for float32 (it would be 0)", where, in_quotes(t)));
  }
  return v;
}

// NAME plus --set key=value pairs → an initializer config.
Initializer build(const InitOptions& o) {
  if (o.params.empty()) return Initializer::parse(o.initializer);
  nlohmann::json cfg = nlohmann::json::object();
  std::map<std::string, std::string> given;  // key → the --set argument that gave it
  for (const auto& kv : o.params) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) {
      throw ValueError(fmt::format("--set {}: expected key=value, e.g. --set stddev=0.1", in_quotes(kv)));
    }
    const std::string key = trim(kv.substr(0, eq));
    if (key.empty()) {
      throw ValueError(fmt::format("--set {}: a key is missing before '=' (e.g. --set stddev=0.1)", in_quotes(kv)));
    }
    if (!is_field_name(key)) {
      throw ValueError(fmt::format("--set {}: {} is not a field name (letters, digits and '_', e.g. stddev)",
                                   in_quotes(kv), in_quotes(key)));
    }
    if (const auto it = given.find(key); it != given.end()) {
      throw ValueError(fmt::format("--set: '{}' is given twice ({} and {})", key, in_quotes(it->second), in_quotes(kv)));
    }
    given.emplace(key, kv);
    cfg[key] = set_value(key, kv.substr(eq + 1));
  }
  // Merge into the named initializer's config without building it first
  // (sparse, for one, cannot be built without its sparsity).
  nlohmann::json full;
  const auto first = o.initializer.find_first_not_of(" \t\n");
  if (first != std::string::npos && o.initializer[first] == '{') {
    full = Initializer::parse(o.initializer).to_config();
  } else {
    full = {{"class_name", o.initializer}, {"config", nlohmann::json::object()}};
  }
  for (const auto& [k, v] : cfg.items()) full["config"][k] = v;
  return Initializer::from_config(full);
}

double time_fill(const Initializer& init, Tensor& t, const std::string& name, int repeats) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    init.fill(t, name);
    const auto stop = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(stop - start).count());
  }
  return best;
}

std::string fmt_time(double seconds) {
  if (seconds < 1e-3) return fmt::format("{:.1f} µs", seconds * 1e6);
  if (seconds < 1) return fmt::format("{:.2f} ms", seconds * 1e3);
  return fmt::format("{:.2f} s", seconds);
}

std::string seed_line(uint64_t seed, bool given) {
  return given ? fmt::format("seed {}", seed) : fmt::format("seed {} (drawn at random; replay with --seed {})", seed, seed);
}

int run_list() {
  Table table({"id", "class", "from", "formula (defaults)"});
  for (const auto& e : initializer_catalogue()) {
    table.add_row({e.id, e.class_name, e.family, e.formula});
  }
  std::cout << table.str();
  std::cout << "\nAliases:";
  for (const auto& e : initializer_catalogue()) {
    if (!e.aliases.empty()) std::cout << fmt::format(" {} = {};", e.id, fmt::join(e.aliases, ", "));
  }
  std::cout << "\nFans (Keras's rule): rank 2 (in, out) → fan_in = in, fan_out = out; conv (kh, kw, in, out) → "
               "fan_in = kh·kw·in, fan_out = kh·kw·out.\n";
  return 0;
}

int run_compare(const InitOptions& o) {
  const Shape shape = Shape::parse(o.shape);
  const uint64_t seed = o.seed ? *o.seed : current_seed();
  set_seed(seed);
  std::cout << fmt::format("Every initializer on {} ({} values), {}, tensor '{}'\n\n", shape.str(), shape.numel(),
                           seed_line(seed, o.seed.has_value()), o.name);
  Table table({"initializer", "theory std", "measured std", "min", "max", "fill time"},
              {false, true, true, true, true, true});
  Tensor t(shape);
  std::vector<std::string> not_applicable;
  for (const auto& e : initializer_catalogue()) {
    // sparse has no default sparsity (as in PyTorch): compare it at 0.1.
    const Initializer init = e.id == "sparse"
                                 ? Initializer::from_config({{"class_name", "Sparse"}, {"config", {{"sparsity", 0.1}}}})
                                 : Initializer(e.id);
    const std::string label = e.id == "sparse" ? "sparse(0.1)" : e.id;
    try {
      const Theory th = init.theory(shape);
      const double secs = time_fill(init, t, o.name, 3);
      const Summary s = summarize(t.values());
      table.add_row({label, pretty_number(th.stddev), pretty_number(s.stddev), pretty_number(s.min),
                     pretty_number(s.max), fmt_time(secs)});
    } catch (const ShapeError& err) {
      table.add_row({label, "—", "—", "—", "—", "n/a"});
      not_applicable.push_back(err.what());
    }
  }
  std::cout << table.str();
  for (const auto& why : not_applicable) std::cout << "n/a  " << why << "\n";
  std::cout << "\ntheory std is the exact std of the distribution on this shape; measured is over the "
               "drawn tensor.\n";
  return 0;
}

int run_one(const InitOptions& o) {
  const Initializer init = build(o);
  const Shape shape = Shape::parse(o.shape);
  // A path that cannot be written is refused before any work or output.
  if (!o.out.empty()) check_writable(o.out);
  const uint64_t seed = o.seed ? *o.seed : current_seed();
  set_seed(seed);
  Tensor t(shape);
  const double secs = time_fill(init, t, o.name, 1);
  const Theory th = init.theory(shape);
  const Summary s = summarize(t.values());
  std::cout << init.describe(shape) << "\n";
  const std::string source = init.seed() ? fmt::format("initializer seed {}", *init.seed())
                                           : fmt::format("{}, tensor '{}'", seed_line(seed, o.seed.has_value()), o.name);
  std::cout << fmt::format("{}; {} values filled in {}\n\n", source, shape.numel(), fmt_time(secs));
  Table table({"", "theory", "measured"}, {false, true, true});
  table.add_row({"mean", pretty_number(th.mean), pretty_number(s.mean)});
  table.add_row({"std", pretty_number(th.stddev), pretty_number(s.stddev)});
  table.add_row({"min", fmt_opt(th.lo), pretty_number(s.min)});
  table.add_row({"max", fmt_opt(th.hi), pretty_number(s.max)});
  std::cout << table.str();
  if (!o.out.empty()) {
    save_npy(o.out, t);
    std::cout << fmt::format("\nwrote {} (float32 {}, C order)\n", o.out, shape.str());
  }
  return 0;
}

}  // namespace

Command add_init_command(CLI::App& app) {
  auto o = std::make_shared<InitOptions>();
  CLI::App* cmd = app.add_subcommand("init", "Draw a tensor from an initializer and compare it with the theory");
  cmd->footer(
      "Examples:\n"
      "  initlab init he_normal --shape 784,64\n"
      "  initlab init glorot_uniform --shape 3,3,16,32 --seed 1234 --out w.npy\n"
      "  initlab init kaiming_uniform --set a=2.236 --set mode=fan_out --shape 64,10\n"
      "  initlab init '{\"class_name\": \"RandomNormal\", \"config\": {\"stddev\": 0.01}}'\n"
      "  initlab init --list\n"
      "  initlab init --compare --shape 784,64");
  cmd->add_option("initializer", o->initializer,
                  "Initializer id (he_normal), class name (HeNormal) or Keras JSON config");
  cmd->add_option("--shape", o->shape, "Tensor shape, comma-separated: 784,64 (Dense in,out) or 3,3,16,32 (conv)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Global seed (default: drawn at random and printed)")->transform(seed_number());
  cmd->add_option("--name", o->name, "Tensor name that keys the random stream")->capture_default_str();
  cmd->add_option("--set", o->params, "Initializer argument as key=value (repeatable): --set stddev=0.1");
  cmd->add_option("--out", o->out, "Write the tensor to this NumPy .npy file");
  cmd->add_flag("--list", o->list, "List every initializer with its formula");
  cmd->add_flag("--compare", o->compare, "One row per initializer: theory and measured std, min, max, fill time");
  return {cmd, [o]() {
    // Options that the chosen mode would ignore are refused, not dropped.
    if (o->list && (o->compare || !o->initializer.empty() || !o->params.empty() || !o->out.empty())) {
      throw ValueError("init --list prints the catalogue: it takes no initializer, --compare, --set or --out");
    }
    if (o->compare && (!o->initializer.empty() || !o->params.empty() || !o->out.empty())) {
      throw ValueError(fmt::format("init --compare runs every initializer: {}",
                                   !o->initializer.empty() ? "drop the initializer " + in_quotes(o->initializer) +
                                                                 " (or --compare)"
                                                           : std::string("--set and --out apply to one initializer")));
    }
    if (o->name.empty()) throw ValueError("--name: the tensor name must not be empty (it keys the random stream)");
    if (o->list) return run_list();
    if (o->compare) return run_compare(*o);
    if (o->initializer.empty()) {
      throw ValueError("init: name an initializer (e.g. initlab init he_normal), or use --list or --compare");
    }
    return run_one(*o);
  }};
}

}  // namespace initlab::app
