// initlab diff — what changed between two weight files, tensor by tensor.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "input_path.hpp"
#include "initlab/core/number_format.hpp"
#include "initlab/diag/tensor_diff.hpp"
#include "table.hpp"
#include "initlab/lab/weight_file.hpp"

namespace initlab::app {
namespace {

struct DiffOptions {
  std::string a, b;
  bool json = false;
  bool changed_only = false;
};

nlohmann::json number_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

nlohmann::json diff_json(const DiffOptions& o, const TensorDiffReport& r) {
  nlohmann::json tensors = nlohmann::json::array();
  for (const auto& e : r.entries) {
    nlohmann::json j = {{"name", e.name}, {"kind", to_string(e.kind)}};
    if (e.kind != DiffKind::kOnlyInB) {
      j["shape_a"] = e.shape_a.dims();
      j["dtype_a"] = e.dtype_a;
    }
    if (e.kind != DiffKind::kOnlyInA) {
      j["shape_b"] = e.shape_b.dims();
      j["dtype_b"] = e.dtype_b;
    }
    if (e.kind == DiffKind::kChanged || e.kind == DiffKind::kUnchanged) {
      j["relative_l2"] = number_or_null(e.relative_l2);
      j["max_abs"] = number_or_null(e.max_abs);
      j["changed_values"] = e.changed_values;
    }
    tensors.push_back(std::move(j));
  }
  return {{"a", o.a}, {"b", o.b}, {"identical", r.identical()}, {"summary", r.summary()}, {"tensors", tensors}};
}

std::string figure(double x) { return std::isnan(x) ? "NaN" : pretty_number(x); }

}  // namespace

Command add_diff_command(CLI::App& app) {
  auto o = std::make_shared<DiffOptions>();
  CLI::App* cmd = app.add_subcommand(
      "diff",
      "Compare two weight files tensor by tensor (matched by name): unchanged (bit-identical), changed (relative\n"
      "L2 change ‖B − A‖/‖A‖, largest |B − A|, how many values), shape changed, dtype changed, only in A, only in B.\n"
      "Reads .keras, .weights.h5, tf-keras .h5, .safetensors, .npz, .npy and initlab checkpoints; tensors are\n"
      "matched by their names in the files (convert both to one format to compare across formats).\n"
      "Exit status: 0 the same, 1 they differ (or a file cannot be read), 2 not a weight file or bad options.\n"
      "Examples:\n"
      "  initlab diff before.safetensors after.safetensors\n"
      "  initlab diff a.npy b.npy --json\n"
      "  initlab diff run1.safetensors run2.safetensors --changed-only");
  cmd->add_option("a", o->a, "The first file (A)")->required()->check(regular_file());
  cmd->add_option("b", o->b, "The second file (B)")->required()->check(regular_file());
  cmd->add_flag("--json", o->json, "Print the comparison as JSON");
  cmd->add_flag("--changed-only", o->changed_only, "List only the tensors that differ");
  return {cmd, [o]() {
            const TensorSet a = read_weight_file(o->a);
            const TensorSet b = read_weight_file(o->b);
            std::vector<DiffTensor> ta = diff_tensors_of(a), tb = diff_tensors_of(b);
            // Two single-tensor files (.npy are named after the file) compare their tensors whatever the names.
            const bool single = ta.size() == 1 && tb.size() == 1 && ta[0].name != tb[0].name;
            if (single) tb[0].name = ta[0].name;
            const TensorDiffReport r = diff_tensors(ta, tb);
            if (o->json) {
              std::cout << diff_json(*o, r).dump(2) << "\n";
              return r.identical() ? 0 : 1;
            }
            std::cout << fmt::format("A: {} ({} tensor{})\nB: {} ({} tensor{})\n\n", o->a, a.size(),
                                     a.size() == 1 ? "" : "s", o->b, b.size(), b.size() == 1 ? "" : "s");
            Table table({"tensor", "status", "shape", "dtype", "relative L2", "max |Δ|", "values changed"},
                        {false, false, false, false, true, true, true});
            for (const auto& e : r.entries) {
              if (o->changed_only && e.kind == DiffKind::kUnchanged) continue;
              const std::string shape = e.kind == DiffKind::kShapeChanged ? e.shape_a.str() + " → " + e.shape_b.str()
                                        : e.kind == DiffKind::kOnlyInB    ? e.shape_b.str()
                                                                          : e.shape_a.str();
              const std::string dtype = e.kind == DiffKind::kDtypeChanged ? e.dtype_a + " → " + e.dtype_b
                                        : e.kind == DiffKind::kOnlyInB    ? e.dtype_b
                                                                          : e.dtype_a;
              const bool values = e.kind == DiffKind::kChanged;
              const std::string rel = !values                                      ? ""
                                      : std::isnan(e.relative_l2) && e.norm_a == 0 ? "from zeros"
                                                                                   : figure(e.relative_l2);
              table.add_row({e.name, to_string(e.kind), shape, dtype, rel, values ? figure(e.max_abs) : "",
                             values ? fmt::format("{} of {}", e.changed_values, e.shape_a.numel()) : ""});
            }
            if (single) std::cout << fmt::format("(one tensor on each side: '{}' compared with B's only tensor)\n", ta[0].name);
            std::cout << table.str() << "\n" << r.summary() << "\n";
            return r.identical() ? 0 : 1;
          }};
}

}  // namespace initlab::app
