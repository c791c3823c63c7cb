#include "initlab/io/keras3_weights_model.hpp"

#include <fmt/format.h>

#include "initlab/core/error.hpp"
#include "initlab/io/keras_optimizer_state.hpp"
#include "initlab/io/weight_naming.hpp"
#include "initlab/nn/normalization.hpp"

namespace initlab {

namespace {

constexpr std::string_view kLayers = "layers/";

// "dense_12" → "dense"; "conv2d" stays.
std::string class_of(const std::string& segment) {
  const size_t u = segment.rfind('_');
  if (u == std::string::npos || u + 1 == segment.size()) return segment;
  for (size_t i = u + 1; i < segment.size(); ++i) {
    if (segment[i] < '0' || segment[i] > '9') return segment;
  }
  return segment.substr(0, u);
}

}  // namespace

std::vector<SaveableVars> keras3_saveables(Sequential& model, bool include_optimizer) {
  if (!model.built()) throw ValueError(fmt::format("model '{}' is not built: it has no weights to save", model.name()));
  std::vector<SaveableVars> out;
  const auto paths = keras3_layer_paths(model);
  for (size_t i = 0; i < model.layers().size(); ++i) {
    Layer& l = *model.layers()[i];
    SaveableVars s{paths[i], l.name(), {}};
    for (const Variable* v : l.variables()) {
      s.vars.push_back(StoredTensor::from_tensor(std::to_string(s.vars.size()), v->value()));
    }
    if (dynamic_cast<const Normalization*>(&l) != nullptr && s.vars.size() == 2) {
      s.vars.push_back(StoredTensor::scalar_i64("2", 0));
    }
    out.push_back(std::move(s));
  }
  out.push_back(SaveableVars{"", model.name(), {}});
  if (include_optimizer) {
    if (auto state = keras_optimizer_state(model)) out.push_back(SaveableVars{"optimizer", state->name, state->variables});
  }
  return out;
}

FileWeights file_weights_from_keras3(const std::vector<SaveableVars>& objects) {
  FileWeights out;
  out.match = LayerMatch::kKerasPath;
  for (const SaveableVars& s : objects) {
    if (s.path == "optimizer") {
      out.optimizer = FileOptimizer{s.name.value_or(""), s.vars};
      continue;
    }
    if (s.vars.empty()) continue;  // stateless layers, the model's own (empty) vars, metrics
    FileLayer f;
    if (s.path.starts_with(kLayers) && s.path.find('/', kLayers.size()) == std::string::npos) {
      f.name = s.path.substr(kLayers.size());
      f.keras_class = class_of(f.name);
    } else {
      f.name = s.path.empty() ? "/vars" : s.path;
    }
    f.saved_name = s.name.value_or("");
    f.tensors = s.vars;
    // Keras's adapted Normalization: mean, variance, count.
    if (f.keras_class == "normalization" && f.tensors.size() == 3 && !dtype_is_float(f.tensors[2].dtype) &&
        f.tensors[2].numel() == 1) {
      f.tensors.pop_back();
    }
    out.layers.push_back(std::move(f));
  }
  return out;
}

FileWeights read_keras3_file_weights(const H5File& file) { return file_weights_from_keras3(read_keras3_weights(file.root())); }

std::string encode_keras3_weights(Sequential& model, bool include_optimizer, const std::string& where) {
  const auto objects = keras3_saveables(model, include_optimizer);
  H5File file = H5File::create_in_memory(where);
  H5Group root = file.root();
  write_keras3_weights(root, objects);
  return file.image();
}

}  // namespace initlab
