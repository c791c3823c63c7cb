#include "initlab/io/weight_restore.hpp"

#include <fmt/format.h>

#include <set>
#include <unordered_map>

#include "initlab/core/error.hpp"
#include "initlab/io/keras_optimizer_state.hpp"
#include "initlab/io/weight_naming.hpp"

namespace initlab {

namespace {

struct Pairing {
  size_t model_index;
  const FileLayer* file;
};

struct Matching {
  std::vector<Pairing> pairs;
  std::vector<std::string> problems;  // layers that pair with nothing, bad renames
};

bool has_variables(const Layer& l) { return !l.variables().empty(); }

std::string file_layer_text(const FileLayer& f) {
  std::string s = fmt::format("file layer '{}'", f.name);
  if (!f.saved_name.empty() && f.saved_name != f.name) s += fmt::format(" (saved as '{}')", f.saved_name);
  return s;
}

std::string tensor_list(const std::vector<StoredTensor>& tensors) {
  std::string s;
  for (const auto& t : tensors) s += (s.empty() ? "" : ", ") + fmt::format("'{}' {}", t.name, t.shape.str());
  return s;
}

std::string variable_list(const Layer& l) {
  std::string s;
  for (const Variable* v : l.variables()) {
    s += (s.empty() ? "" : ", ") + fmt::format("{} {}", short_variable_name(v->name()), v->shape().str());
  }
  return s;
}

void unexpected_layer(Matching& m, const FileLayer& f, const std::string& why) {
  m.problems.push_back(fmt::format("{}: {} ({} tensor{}: {})", file_layer_text(f), why, f.tensors.size(),
                                   f.tensors.size() == 1 ? "" : "s", tensor_list(f.tensors)));
}

void missing_layers(Matching& m, const Sequential& model) {
  std::vector<bool> paired(model.layers().size(), false);
  for (const auto& p : m.pairs) paired[p.model_index] = true;
  for (size_t i = 0; i < paired.size(); ++i) {
    const Layer& l = *model.layers()[i];
    if (!paired[i] && has_variables(l)) {
      m.problems.push_back(fmt::format("{}: missing from the file ({})", l.label(), variable_list(l)));
    }
  }
}

Matching match_by_position(const Sequential& model, const std::vector<FileLayer>& layers) {
  Matching m;
  std::vector<size_t> model_side;
  for (size_t i = 0; i < model.layers().size(); ++i) {
    if (has_variables(*model.layers()[i])) model_side.push_back(i);
  }
  size_t next = 0;
  for (const FileLayer& f : layers) {
    if (f.tensors.empty()) continue;
    if (next == model_side.size()) {
      unexpected_layer(m, f, fmt::format("not in the model (which has {} layer{} with weights)", model_side.size(),
                                         model_side.size() == 1 ? "" : "s"));
      continue;
    }
    const Layer& l = *model.layers()[model_side[next]];
    if (!f.keras_class.empty() && f.keras_class != keras_snake_case(l.class_name())) {
      m.problems.push_back(fmt::format("{}: a {} in the file, matched by position with {}", file_layer_text(f),
                                       f.keras_class, l.label()));
    }
    m.pairs.push_back({model_side[next++], &f});
  }
  missing_layers(m, model);
  return m;
}

Matching match_by_key(const Sequential& model, const std::vector<FileLayer>& layers,
                      const std::vector<std::string>& model_keys, const std::map<std::string, std::string>& rename,
                      bool use_saved_name) {
  Matching m;
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < model_keys.size(); ++i) index.emplace(model_keys[i], i);
  std::set<std::string> file_keys;
  std::unordered_map<size_t, const FileLayer*> taken;
  for (const FileLayer& f : layers) {
    std::string key = use_saved_name && !f.saved_name.empty() ? f.saved_name : f.name;
    file_keys.insert(key);
    if (auto r = rename.find(key); r != rename.end()) key = r->second;
    auto it = index.find(key);
    if (it == index.end()) {
      if (!f.tensors.empty()) unexpected_layer(m, f, fmt::format("no layer '{}' in the model", key));
      continue;
    }
    if (auto t = taken.find(it->second); t != taken.end()) {
      m.problems.push_back(fmt::format("{} and {} both name {}", file_layer_text(*t->second), file_layer_text(f),
                                       model.layers()[it->second]->label()));
      continue;
    }
    taken.emplace(it->second, &f);
    m.pairs.push_back({it->second, &f});
  }
  for (const auto& [from, to] : rename) {
    if (file_keys.count(from) == 0) m.problems.push_back(fmt::format("rename '{}' → '{}': no layer '{}' in the file", from, to, from));
  }
  missing_layers(m, model);
  return m;
}

std::vector<std::string> model_layer_names(const Sequential& model) {
  std::vector<std::string> names;
  for (const auto& l : model.layers()) names.push_back(l->name());
  return names;
}

// The tensors of one pairing, converted, or the reasons they cannot be.
struct LayerPlan {
  std::vector<std::pair<Variable*, Tensor>> assignments;
  std::vector<std::string> problems;
};

LayerPlan plan_layer(Layer& layer, const FileLayer& file) {
  LayerPlan plan;
  const auto vars = layer.variables();
  const auto& ts = file.tensors;
  auto where = [&](const StoredTensor& t, std::string_view var) {
    return t.name == var ? std::string() : fmt::format(" ('{}' in the file)", t.name);
  };
  for (size_t j = 0; j < std::max(vars.size(), ts.size()); ++j) {
    if (j >= ts.size()) {
      plan.problems.push_back(fmt::format("{}: {}: missing from the file (expected {})", layer.label(),
                                          short_variable_name(vars[j]->name()), vars[j]->shape().str()));
      continue;
    }
    const StoredTensor& t = ts[j];
    if (j >= vars.size()) {
      plan.problems.push_back(fmt::format("{}: unexpected tensor '{}' {} in the file (the layer has {} variable{})",
                                          layer.label(), t.name, t.shape.str(), vars.size(),
                                          vars.size() == 1 ? "" : "s"));
      continue;
    }
    const std::string_view var = short_variable_name(vars[j]->name());
    if (!dtype_is_float(t.dtype)) {
      plan.problems.push_back(fmt::format("{}: {}: a float tensor expected, file has {}{}", layer.label(), var,
                                          dtype_name(t.dtype), where(t, var)));
      continue;
    }
    if (!(t.shape == vars[j]->shape())) {
      plan.problems.push_back(fmt::format("{}: {}: shape {} expected, file has {}{}", layer.label(), var,
                                          vars[j]->shape().str(), t.shape.str(), where(t, var)));
      continue;
    }
    plan.assignments.emplace_back(vars[j], t.to_float32());
  }
  if (!plan.problems.empty()) plan.assignments.clear();
  return plan;
}

std::string problems_text(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += "\n  " + l;
  return s;
}

}  // namespace

std::string RestoreReport::str() const {
  std::string s = fmt::format("loaded {} item{}", loaded.size(), loaded.size() == 1 ? "" : "s");
  for (const auto& l : loaded) s += "\n  " + l;
  if (!skipped.empty()) {
    s += fmt::format("\nskipped {}:", skipped.size());
    for (const auto& l : skipped) s += "\n  " + l;
  }
  return s;
}

RestoreReport restore_weights(Sequential& model, const FileWeights& file, const RestoreOptions& options,
                              const std::string& source) {
  if (!model.built()) {
    if (!model.input_shape()) {
      throw RestoreError(fmt::format("{}: model '{}' does not know its input shape, so its weights do not exist yet; "
                                     "give it an Input (or build it) before loading weights",
                                     source, model.name()));
    }
    model.build(*model.input_shape());
  }
  Matching m;
  if (options.by_name) {
    m = match_by_key(model, file.layers, model_layer_names(model), options.rename, true);
  } else if (file.match == LayerMatch::kKerasPath) {
    m = match_by_key(model, file.layers, keras3_layer_names(model), options.rename, false);
  } else if (file.match == LayerMatch::kName) {
    m = match_by_key(model, file.layers, model_layer_names(model), options.rename, false);
  } else {
    if (!options.rename.empty()) {
      throw RestoreError(fmt::format("{}: renaming layers needs layers matched by name (by_name); this file's layers "
                                     "are matched by position",
                                     source));
    }
    m = match_by_position(model, file.layers);
  }

  // Check and convert everything before anything changes.
  std::vector<std::string> problems = m.problems;
  std::vector<std::pair<Variable*, Tensor>> assignments;
  RestoreReport report;
  for (const Pairing& p : m.pairs) {
    Layer& layer = *model.layers()[p.model_index];
    LayerPlan plan = plan_layer(layer, *p.file);
    if (!plan.problems.empty()) {
      problems.insert(problems.end(), plan.problems.begin(), plan.problems.end());
      continue;
    }
    if (plan.assignments.empty()) continue;  // a weightless layer's empty group
    std::string line = fmt::format("{} ← {}: ", layer.label(), file_layer_text(*p.file));
    for (size_t j = 0; j < plan.assignments.size(); ++j) {
      line += fmt::format("{}{} {}", j ? ", " : "", short_variable_name(plan.assignments[j].first->name()),
                          plan.assignments[j].second.shape().str());
    }
    report.loaded.push_back(std::move(line));
    for (auto& a : plan.assignments) assignments.push_back(std::move(a));
  }
  if (options.strict && !problems.empty()) {
    throw RestoreError(fmt::format(
        "{}: {} problem{} restoring model '{}' (nothing was changed):{}\n(a partial restore loads the layers that "
        "match and reports the rest; a renamed layer can be mapped to its new name)",
        source, problems.size(), problems.size() == 1 ? "" : "s", model.name(), problems_text(problems)));
  }
  if (assignments.empty() && !problems.empty()) {
    throw RestoreError(fmt::format("{}: nothing in the file matches model '{}' (nothing was changed):{}", source,
                                   model.name(), problems_text(problems)));
  }
  report.skipped = std::move(problems);

  std::optional<OptimizerRestore> opt_plan;
  if (file.optimizer && !file.optimizer->variables.empty()) {
    std::string reason;
    if (!options.optimizer) {
      report.skipped.push_back(fmt::format("optimizer: not requested ({} variables in the file)",
                                           file.optimizer->variables.size()));
    } else if (opt_plan = plan_optimizer_restore(model, *file.optimizer, reason); !opt_plan) {
      report.skipped.push_back("optimizer: " + reason);
    }
  }

  // Nothing below throws on the file's account: every shape was checked.
  for (auto& [var, value] : assignments) var->assign(value);
  if (opt_plan) {
    apply_optimizer_restore(model, *opt_plan);
    report.loaded.push_back(fmt::format("optimizer {}: {}", model.optimizer()->name(), opt_plan->str()));
  }
  return report;
}

RestoreReport restore_layers(Sequential& model, const std::vector<FileLayer>& layers, const RestoreOptions& options,
                             const std::string& source) {
  FileWeights file;
  file.layers = layers;
  file.match = LayerMatch::kPosition;
  return restore_weights(model, file, options, source);
}

}  // namespace initlab
