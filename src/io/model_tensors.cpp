#include "initlab/io/model_tensors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "initlab/core/error.hpp"
#include "initlab/io/keras_optimizer_state.hpp"
#include "initlab/io/pytorch_layout.hpp"

namespace initlab {

namespace {

constexpr std::string_view kOptimizerPrefix = "optimizer/";

}  // namespace

TensorSet model_tensor_set(Sequential& model, WeightNaming naming, bool include_optimizer) {
  if (!model.built()) throw ValueError(fmt::format("model '{}' is not built: it has no weights to save", model.name()));
  if (naming == WeightNaming::kPyTorch) return pytorch_state_dict(model);
  TensorSet set;
  for (const Variable* v : model.variables()) set.add(StoredTensor::from_tensor(v->name(), v->value()), "model");
  if (include_optimizer) {
    if (auto state = keras_optimizer_state(model)) {
      for (auto& t : state->variables) {
        t.name = fmt::format("{}{}/{}", kOptimizerPrefix, state->name, t.name);
        set.add(std::move(t), "model");
      }
    }
  }
  return set;
}

FileWeights file_weights_from_tensor_set(const Sequential& model, const TensorSet& set, const std::string& where) {
  if (looks_like_pytorch_names(set)) return file_weights_from_pytorch(model, set, where);
  FileWeights out;
  out.match = LayerMatch::kName;
  std::map<std::string, size_t> layer_at;
  std::vector<std::pair<int64_t, StoredTensor>> optimizer;
  for (const StoredTensor& t : set.tensors()) {
    if (t.name.starts_with(kOptimizerPrefix)) {
      // optimizer/<kind>/<i>
      const std::string_view rest = std::string_view(t.name).substr(kOptimizerPrefix.size());
      const size_t slash = rest.find('/');
      int64_t index = -1;
      if (slash != std::string_view::npos) {
        const auto digits = rest.substr(slash + 1);
        auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
        if (ec != std::errc() || p != digits.data() + digits.size()) index = -1;
      }
      if (index < 0) {
        throw FormatError(fmt::format("{}: tensor '{}': optimizer tensors are named optimizer/<kind>/<index>", where,
                                      t.name));
      }
      if (!out.optimizer) out.optimizer = FileOptimizer{std::string(rest.substr(0, slash)), {}};
      optimizer.emplace_back(index, t);
      continue;
    }
    const size_t slash = t.name.rfind('/');
    const std::string layer = slash == std::string::npos ? std::string() : t.name.substr(0, slash);
    auto [it, fresh] = layer_at.emplace(layer, out.layers.size());
    if (fresh) out.layers.push_back(FileLayer{layer.empty() ? t.name : layer, "", {}});
    out.layers[it->second].tensors.push_back(t);
  }
  // Each layer's tensors in the model's variable order where the names say it
  // (a file need not keep it: safetensors sorts by dtype and name).
  for (FileLayer& f : out.layers) {
    const Layer* layer = nullptr;
    for (const auto& l : model.layers()) {
      if (l->name() == f.name) layer = l.get();
    }
    if (layer == nullptr) continue;
    std::vector<StoredTensor> ordered;
    for (const Variable* v : layer->variables()) {
      auto it = std::find_if(f.tensors.begin(), f.tensors.end(), [&](const StoredTensor& t) { return t.name == v->name(); });
      if (it == f.tensors.end()) break;  // the rest stays in file order, and restore names what is missing
      ordered.push_back(std::move(*it));
      f.tensors.erase(it);
    }
    for (auto& t : f.tensors) ordered.push_back(std::move(t));
    f.tensors = std::move(ordered);
  }
  if (out.optimizer) {
    std::sort(optimizer.begin(), optimizer.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < optimizer.size(); ++i) {
      if (optimizer[i].first != static_cast<int64_t>(i)) {
        throw FormatError(fmt::format("{}: optimizer tensor {} expected, found '{}'", where, i, optimizer[i].second.name));
      }
      out.optimizer->variables.push_back(std::move(optimizer[i].second));
    }
  }
  return out;
}

}  // namespace initlab
