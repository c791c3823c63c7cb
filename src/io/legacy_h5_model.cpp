#include "initlab/io/legacy_h5_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "initlab/core/error.hpp"
#include "initlab/core/json_text.hpp"
#include "initlab/core/suggest.hpp"
#include "initlab/io/keras_config_writer.hpp"
#include "initlab/io/weight_naming.hpp"

namespace initlab {

namespace {

constexpr const char* kModelWeights = "model_weights";
constexpr const char* kOptimizerWeights = "optimizer_weights";

H5Group weights_group(const H5Group& root) { return root.has_group(kModelWeights) ? root.group(kModelWeights) : root; }

std::string shown(const H5Group& g) { return fmt::format("{}: {}", g.where(), g.path()); }

std::vector<std::string> layer_names(const H5Group& g) {
  auto names = g.string_list_attribute("layer_names");
  if (!names) {
    throw FormatError(fmt::format("{}: no layer_names attribute, so this is not a tf-keras weights group", shown(g)));
  }
  std::set<std::string> seen;
  for (const auto& n : *names) {
    if (!seen.insert(n).second) {
      throw FormatError(fmt::format("{}: layer_names lists '{}' twice", shown(g), text_excerpt(n)));
    }
    if (!g.has_group(n)) {
      throw FormatError(fmt::format("{}: layer_names lists '{}' but there is no group of that name", shown(g),
                                    text_excerpt(n)));
    }
  }
  return *names;
}

std::vector<std::string> weight_names(const H5Group& layer) {
  if (auto names = layer.string_list_attribute("weight_names")) return *names;
  if (layer.children().empty()) return {};  // an empty layer group without the attribute
  throw FormatError(fmt::format("{}: no weight_names attribute, so the layer's datasets have no order", shown(layer)));
}

// "dense/kernel:0", "model/dense/kernel", "kernel" → "kernel".
std::string short_weight_name(const std::string& name) {
  std::string s = name.substr(name.rfind('/') == std::string::npos ? 0 : name.rfind('/') + 1);
  const size_t colon = s.rfind(':');
  if (colon != std::string::npos && colon + 1 < s.size() &&
      std::all_of(s.begin() + static_cast<std::ptrdiff_t>(colon) + 1, s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    s.resize(colon);
  }
  return s;
}

std::vector<StoredTensor> layer_tensors(const H5Group& layer, bool short_names) {
  std::vector<StoredTensor> out;
  for (const std::string& w : weight_names(layer)) {
    StoredTensor t = layer.read_dataset(w);
    t.name = short_names ? short_weight_name(w) : w;
    out.push_back(std::move(t));
  }
  return out;
}

// Keras's adapted Normalization keeps mean, variance and an integer count; initlab has no count.
void drop_normalization_count(std::vector<StoredTensor>& ts) {
  if (ts.size() == 3 && ts[0].name == "mean" && ts[1].name == "variance" && ts[2].name == "count") ts.pop_back();
}

// tf-keras 2 reads InputLayer's batch_input_shape (Keras 3 reads both).
void use_batch_input_shape(nlohmann::json& config) {
  for (auto& layer : config["config"]["layers"]) {
    if (layer.value("class_name", "") != "InputLayer") continue;
    auto& c = layer["config"];
    if (c.contains("batch_shape")) {
      c["batch_input_shape"] = c["batch_shape"];
      c.erase("batch_shape");
    }
  }
}

nlohmann::json training_config(const Sequential& model) {
  const nlohmann::json compile =
      keras3_compile_config(CompileSettings{model.optimizer(), model.loss(), model.metric_names()});
  nlohmann::json optimizer = {{"class_name", compile["optimizer"]["class_name"]}, {"config", compile["optimizer"]["config"]}};
  return {{"loss", compile["loss"]},
          {"metrics", compile["metrics"]},
          {"weighted_metrics", nullptr},
          {"loss_weights", nullptr},
          {"optimizer_config", std::move(optimizer)}};
}

void set_version_attributes(H5Group& g) {
  g.set_string_attribute("backend", "tensorflow", H5Charset::kAscii);
  g.set_string_attribute("keras_version", kKerasVersionWritten, H5Charset::kAscii);
}

}  // namespace

bool is_legacy_h5_layout(const H5Group& root) {
  return root.has_attribute("layer_names") || root.has_group(kModelWeights);
}

FileWeights read_legacy_file_weights(const H5File& file) {
  const H5Group g = weights_group(file.root());
  FileWeights out;
  out.match = LayerMatch::kPosition;
  for (const std::string& name : layer_names(g)) {
    FileLayer layer;
    layer.name = name;
    layer.tensors = layer_tensors(g.group(name), true);
    drop_normalization_count(layer.tensors);
    out.layers.push_back(std::move(layer));
  }
  return out;
}

TensorSet read_legacy_tensors(const H5File& file) {
  const H5Group root = file.root();
  const H5Group g = weights_group(root);
  TensorSet out;
  for (const std::string& name : layer_names(g)) {
    for (StoredTensor& t : layer_tensors(g.group(name), false)) {
      t.name = name + "/" + t.name;
      out.add(std::move(t), file.where());
    }
  }
  if (root.has_group(kOptimizerWeights)) {
    for (StoredTensor& t : layer_tensors(root.group(kOptimizerWeights), false)) {
      t.name = std::string(kOptimizerWeights) + "/" + t.name;
      out.add(std::move(t), file.where());
    }
  }
  return out;
}

std::string encode_legacy_h5(Sequential& model, bool with_model, const std::string& where) {
  if (!model.built()) throw ValueError(fmt::format("model '{}' is not built: it has no weights to save", model.name()));
  H5File file = H5File::create_in_memory(where);
  H5Group root = file.root();
  H5Group g = root;
  if (with_model) {
    nlohmann::json config = keras3_model_config(model);
    config.erase("compile_config");
    use_batch_input_shape(config);
    set_version_attributes(root);
    root.set_string_attribute("model_config", config.dump(), H5Charset::kAscii);
    if (model.compiled()) root.set_string_attribute("training_config", training_config(model).dump(), H5Charset::kAscii);
    g = root.create_group(kModelWeights);
  }
  std::vector<std::string> names;
  for (const auto& l : model.layers()) names.push_back(l->name());
  g.set_string_list_attribute("layer_names", names);
  set_version_attributes(g);
  // tf-keras creates the groups in sorted-name order and lists them in model order.
  std::vector<const Layer*> sorted;
  for (const auto& l : model.layers()) sorted.push_back(l.get());
  std::sort(sorted.begin(), sorted.end(), [](const Layer* a, const Layer* b) { return a->name() < b->name(); });
  for (const Layer* l : sorted) {
    H5Group lg = g.create_group(l->name());
    std::vector<std::string> weights;
    for (const Variable* v : l->variables()) {
      const std::string w = fmt::format("{}/{}:0", l->name(), short_variable_name(v->name()));
      lg.write_dataset(w, StoredTensor::from_tensor(w, v->value()));
      weights.push_back(w);
    }
    lg.set_string_list_attribute("weight_names", weights);
  }
  return file.image();
}

KerasModel decode_legacy_h5_model(const H5File& file) {
  const H5Group root = file.root();
  const auto config = root.string_attribute("model_config");
  if (!config) {
    throw ConfigError(fmt::format("{}: no model_config attribute: the file holds weights only (save_weights); load the "
                                  "architecture from a model file (a Keras model JSON, .keras or .h5) and these "
                                  "weights into it",
                                  file.where()));
  }
  const std::string config_where = file.where() + ": model_config";
  KerasModel k = keras_model_from_json(parse_json_text(*config, config_where), config_where);
  if (const auto tc = root.string_attribute("training_config")) {
    const std::string tc_where = file.where() + ": training_config";
    try {
      const nlohmann::json doc = parse_json_text(*tc, tc_where);
      k.compile = keras_training_config_settings(JsonValue(doc, tc_where));
    } catch (const Error& e) {
      k.warnings.push_back(fmt::format("loaded uncompiled: {}", text_excerpt(e.what(), 400)));
    }
  }
  if (k.compile) k.model.compile(k.compile->optimizer, k.compile->loss, k.compile->metrics);
  restore_weights(k.model, read_legacy_file_weights(file), {}, file.where());
  return k;
}

}  // namespace initlab
