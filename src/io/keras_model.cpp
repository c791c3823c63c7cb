#include "initlab/io/keras_model.hpp"

#include <fmt/format.h>

#include <functional>
#include <map>

#include "initlab/core/error.hpp"
#include "initlab/init/initializer.hpp"
#include "initlab/nn/activation_layer.hpp"
#include "initlab/nn/batch_normalization.hpp"
#include "initlab/nn/conv2d.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/dropout.hpp"
#include "initlab/nn/normalization.hpp"
#include "initlab/nn/pooling.hpp"

namespace initlab {
namespace {

// The layer's "config" and what the reader knows around it.
struct LayerEntry {
  std::string class_name;
  JsonValue config;
};

// Keras layer names: the given one, or none (the model then names it as Keras would).
std::string layer_name(const JsonValue& c) { return c.text("name", ""); }

// A nested object that initlab does not implement must be absent or null.
void require_null(const JsonValue& c, const std::string& key, const std::string& why) {
  if (auto v = c.find(key)) v->fail(fmt::format("{} is not supported by initlab ({}); remove it or set it to null", key, why));
}

void require_absent_regularizers(const JsonValue& c, std::initializer_list<const char*> keys) {
  for (const char* k : keys) require_null(c, k, "regularizers and constraints are not implemented");
}

// "dtype": "float32" or a DTypePolicy envelope named float32.
void check_dtype(const JsonValue& c) {
  auto v = c.find("dtype");
  if (!v) return;
  std::string name;
  if (v->is_string()) {
    name = v->text();
  } else if (v->is_object()) {
    name = v->at("config").text("name", "float32");
  } else {
    v->fail_expected("a dtype name or a DTypePolicy");
  }
  if (name != "float32") v->fail(fmt::format("initlab computes in float32; the dtype policy \"{}\" is not supported", name));
}

void check_channels_last(const JsonValue& c) {
  const std::string f = c.text("data_format", "channels_last");
  if (f != "channels_last") {
    c.at("data_format").fail(fmt::format("initlab's images are NHWC (\"channels_last\"); found \"{}\"", f));
  }
}

Activation activation_of(const JsonValue& c) {
  auto v = c.find("activation");
  if (!v) return Activation{};  // null is linear, as Keras
  if (!v->is_string()) {
    v->fail_expected("the name of a built-in activation (a custom activation function cannot be loaded)");
  }
  try {
    return Activation(v->text());
  } catch (const Error& e) {
    v->fail(e.what());
  }
}

Initializer initializer_of(const JsonValue& c, const std::string& key, const char* keras_default) {
  auto v = c.find(key);
  if (!v) return Initializer(keras_default);
  try {
    return Initializer::from_config(v->json());
  } catch (const Error& e) {
    v->fail(e.what());
  }
}

std::array<int64_t, 2> pair_of(const JsonValue& c, const std::string& key, std::array<int64_t, 2> fallback) {
  auto v = c.find(key);
  if (!v) return fallback;
  const auto d = v->integers();
  if (d.size() == 1) return {d[0], d[0]};
  if (d.size() != 2) v->fail_expected("an integer or a list of two integers");
  return {d[0], d[1]};
}

// "batch_shape": [null, 28, 28, 1] → (28, 28, 1): every dimension after the batch must be known.
Shape sample_shape(const JsonValue& v, bool with_batch) {
  v.expect_array();
  const auto dims = v.elements();
  std::vector<int64_t> d;
  for (size_t i = with_batch ? 1 : 0; i < dims.size(); ++i) {
    if (dims[i].is_null()) dims[i].fail("initlab needs every dimension of the input except the batch; found null");
    const int64_t n = dims[i].integer();
    if (n < 1) dims[i].fail(fmt::format("expected a positive dimension, found {}", n));
    d.push_back(n);
  }
  if (with_batch && dims.empty()) v.fail("expected [batch, dims...], found an empty list");
  return Shape(d);
}

// The input shape a layer config carries itself (tf-keras: "batch_input_shape" on the first layer).
std::optional<Shape> own_input_shape(const JsonValue& c) {
  if (auto v = c.find("batch_shape")) return sample_shape(*v, true);
  if (auto v = c.find("batch_input_shape")) return sample_shape(*v, true);
  if (auto v = c.find("input_shape")) return sample_shape(*v, false);
  return std::nullopt;
}

std::shared_ptr<Layer> dense(const JsonValue& c) {
  require_absent_regularizers(c, {"kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                                  "bias_constraint"});
  require_null(c, "quantization_config", "quantized layers are not implemented");
  if (c.has("lora_rank")) c.at("lora_rank").fail("LoRA layers are not supported by initlab");
  const int64_t units = c.at("units").integer();
  if (units < 1) c.at("units").fail(fmt::format("expected a positive number of units, found {}", units));
  return std::make_shared<Dense>(
      units, DenseOptions{.activation = activation_of(c),
                          .use_bias = c.boolean("use_bias", true),
                          .kernel_initializer = initializer_of(c, "kernel_initializer", "glorot_uniform"),
                          .bias_initializer = initializer_of(c, "bias_initializer", "zeros"),
                          .name = layer_name(c)});
}

std::shared_ptr<Layer> conv2d(const JsonValue& c) {
  require_absent_regularizers(c, {"kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                                  "bias_constraint"});
  check_channels_last(c);
  if (pair_of(c, "dilation_rate", {1, 1}) != std::array<int64_t, 2>{1, 1}) {
    c.at("dilation_rate").fail("dilated convolutions are not implemented; expected [1, 1]");
  }
  if (c.integer("groups", 1) != 1) c.at("groups").fail("grouped convolutions are not implemented; expected 1");
  const int64_t filters = c.at("filters").integer();
  if (filters < 1) c.at("filters").fail(fmt::format("expected a positive number of filters, found {}", filters));
  const auto kernel = pair_of(c, "kernel_size", {0, 0});
  if (!c.has("kernel_size")) c.at("kernel_size");  // missing field
  return std::make_shared<Conv2D>(
      filters, kernel,
      Conv2DOptions{.strides = pair_of(c, "strides", {1, 1}),
                    .padding = c.text("padding", "valid"),
                    .activation = activation_of(c),
                    .use_bias = c.boolean("use_bias", true),
                    .kernel_initializer = initializer_of(c, "kernel_initializer", "glorot_uniform"),
                    .bias_initializer = initializer_of(c, "bias_initializer", "zeros"),
                    .name = layer_name(c)});
}

std::shared_ptr<Layer> pooling(const JsonValue& c, bool max) {
  check_channels_last(c);
  const auto pool = pair_of(c, "pool_size", {2, 2});
  PoolingOptions o{.strides = pair_of(c, "strides", pool), .padding = c.text("padding", "valid"), .name = layer_name(c)};
  if (max) return std::make_shared<MaxPooling2D>(pool, o);
  return std::make_shared<AveragePooling2D>(pool, o);
}

std::shared_ptr<Layer> global_average_pooling(const JsonValue& c) {
  check_channels_last(c);
  if (c.boolean("keepdims", false)) c.at("keepdims").fail("keepdims=true is not implemented; expected false");
  return std::make_shared<GlobalAveragePooling2D>(layer_name(c));
}

std::shared_ptr<Layer> flatten(const JsonValue& c) {
  check_channels_last(c);
  return std::make_shared<Flatten>(layer_name(c));
}

// axis -1, [-1], or the last axis by its positive index (tf-keras writes [3] after a Conv2D).
void check_last_axis(const JsonValue& c, const std::optional<Shape>& input) {
  auto v = c.find("axis");
  if (!v) return;
  const auto axes = v->integers();
  const bool last = axes.size() == 1 && (axes[0] == -1 || (input && axes[0] == input->rank()));
  if (!last) {
    v->fail(fmt::format("initlab normalizes over the last axis only; expected -1{}, found {}",
                        input ? fmt::format(" or {}", input->rank()) : "", v->json().dump()));
  }
}

void check_initializer_is(const JsonValue& c, const std::string& key, const std::string& id) {
  if (!c.has(key)) return;
  if (initializer_of(c, key, id.c_str()).id() != id) {
    c.at(key).fail(fmt::format("initlab's BatchNormalization starts {} as {}; other initializers are not supported", key, id));
  }
}

std::shared_ptr<Layer> batch_normalization(const JsonValue& c, const std::optional<Shape>& input) {
  check_last_axis(c, input);
  require_absent_regularizers(c, {"beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"});
  if (!c.boolean("center", true)) c.at("center").fail("center=false is not implemented; expected true");
  if (!c.boolean("scale", true)) c.at("scale").fail("scale=false is not implemented; expected true");
  if (c.boolean("renorm", false)) c.at("renorm").fail("batch renormalization is not implemented; expected false");
  check_initializer_is(c, "beta_initializer", "zeros");
  check_initializer_is(c, "gamma_initializer", "ones");
  check_initializer_is(c, "moving_mean_initializer", "zeros");
  check_initializer_is(c, "moving_variance_initializer", "ones");
  return std::make_shared<BatchNormalization>(BatchNormalizationOptions{
      .momentum = c.number("momentum", 0.99), .epsilon = c.number("epsilon", 1e-3), .name = layer_name(c)});
}

std::shared_ptr<Layer> dropout(const JsonValue& c) {
  require_null(c, "noise_shape", "dropout masks are element-wise");
  // A layer "seed" is accepted: initlab keys every mask by (global seed, layer name, step).
  (void)c.find("seed");
  return std::make_shared<Dropout>(c.at("rate").number(), layer_name(c));
}

std::shared_ptr<Layer> activation(const JsonValue& c) {
  c.at("activation");  // required here
  return std::make_shared<ActivationLayer>(activation_of(c), layer_name(c));
}

std::shared_ptr<Layer> normalization(const JsonValue& c, const std::optional<Shape>& input) {
  check_last_axis(c, input);
  if (c.boolean("invert", false)) c.at("invert").fail("invert=true is not implemented; expected false");
  if (c.has("mean") || c.has("variance")) {
    c.at(c.has("mean") ? "mean" : "variance")
        .fail("fixed statistics are not supported: leave mean and variance null and adapt the layer on the data");
  }
  return std::make_shared<Normalization>(layer_name(c));
}

using LayerReader = std::function<std::shared_ptr<Layer>(const JsonValue&, const std::optional<Shape>&)>;

const std::map<std::string, LayerReader>& layer_readers() {
  static const std::map<std::string, LayerReader> readers = {
      {"Dense", [](const JsonValue& c, const auto&) { return dense(c); }},
      {"Conv2D", [](const JsonValue& c, const auto&) { return conv2d(c); }},
      {"Convolution2D", [](const JsonValue& c, const auto&) { return conv2d(c); }},
      {"MaxPooling2D", [](const JsonValue& c, const auto&) { return pooling(c, true); }},
      {"MaxPool2D", [](const JsonValue& c, const auto&) { return pooling(c, true); }},
      {"AveragePooling2D", [](const JsonValue& c, const auto&) { return pooling(c, false); }},
      {"AvgPool2D", [](const JsonValue& c, const auto&) { return pooling(c, false); }},
      {"GlobalAveragePooling2D", [](const JsonValue& c, const auto&) { return global_average_pooling(c); }},
      {"GlobalAvgPool2D", [](const JsonValue& c, const auto&) { return global_average_pooling(c); }},
      {"Flatten", [](const JsonValue& c, const auto&) { return flatten(c); }},
      {"BatchNormalization", batch_normalization},
      {"Dropout", [](const JsonValue& c, const auto&) { return dropout(c); }},
      {"Activation", [](const JsonValue& c, const auto&) { return activation(c); }},
      {"Normalization", normalization},
  };
  return readers;
}

std::string known_layers() {
  std::vector<std::string> names = {"InputLayer"};
  for (const auto& [k, v] : layer_readers()) names.push_back(k);
  return fmt::format("{}", fmt::join(names, ", "));
}

// {"module", "class_name", "config", "registered_name", ...} or the legacy {"class_name", "config"}.
LayerEntry layer_entry(const JsonValue& e) {
  e.expect_object();
  const std::string cls = e.at("class_name").text();
  if (auto r = e.find("registered_name"); r && r->is_string() && r->text() != cls) {
    r->fail(fmt::format("'{}' is a custom registered class; initlab cannot load custom layers (it knows {})",
                        r->text(), known_layers()));
  }
  auto config = e.at("config");
  config.expect_object();
  return {cls, config};
}

// The model's layer list: config.layers (config itself in the oldest Keras 2 files).
JsonValue layer_list(const JsonValue& config) {
  if (config.is_array()) return config;
  config.expect_object();
  auto layers = config.at("layers");
  layers.expect_array();
  return layers;
}

std::string dialect_of(const JsonValue& doc) {
  if (doc.has("module")) return "Keras 3";
  if (doc.has("keras_version")) return fmt::format("tf-keras {}", doc.text("keras_version", "2"));
  return "Keras";
}

std::optional<Shape> model_input_shape(const JsonValue& doc, const JsonValue& config) {
  if (config.is_object()) {
    if (auto v = config.find("build_input_shape")) return sample_shape(*v, true);
  }
  if (auto b = doc.find("build_config")) {
    if (auto v = b->find("input_shape")) return sample_shape(*v, true);
  }
  return std::nullopt;
}

}  // namespace

KerasModel keras_model_from_json(const nlohmann::json& document, const std::string& source) {
  return keras_model_from_json(JsonValue(document, source));
}

KerasModel keras_model_from_json(const JsonValue& doc) {
  doc.expect_object();
  const std::string cls = doc.at("class_name").text();
  if (cls != "Sequential") {
    doc.at("class_name").fail(fmt::format("initlab loads Sequential models; found \"{}\"", cls));
  }
  const JsonValue config = doc.at("config");
  KerasModel out{Sequential(config.is_object() ? config.text("name", "sequential") : "sequential"), dialect_of(doc), {}};
  if (config.is_object()) check_dtype(config);

  std::optional<Shape> shape;  // of one sample, once known
  bool have_input = false;
  auto set_input = [&](const Shape& s) {
    out.model.add(Input(s));
    shape = s;
    have_input = true;
  };
  const auto entries = layer_list(config).elements();
  for (size_t i = 0; i < entries.size(); ++i) {
    const LayerEntry entry = layer_entry(entries[i]);
    const JsonValue& c = entry.config;
    if (entry.class_name == "InputLayer") {
      if (i != 0) entries[i].fail("an InputLayer must be the first layer");
      check_dtype(c);
      const auto s = own_input_shape(c);
      if (!s) c.fail("missing field: batch_shape (or batch_input_shape)");
      set_input(*s);
      continue;
    }
    auto reader = layer_readers().find(entry.class_name);
    if (reader == layer_readers().end()) {
      entries[i].at("class_name").fail(fmt::format("unknown layer \"{}\" (initlab knows {})", entry.class_name,
                                                   known_layers()));
    }
    check_dtype(c);
    if (!have_input && out.model.layers().empty()) {
      if (auto s = own_input_shape(c)) set_input(*s);
    }
    if (!have_input && out.model.layers().empty()) {
      if (auto s = model_input_shape(doc, config)) set_input(*s);
    }
    std::shared_ptr<Layer> layer;
    try {
      layer = reader->second(c, shape);
      if (!c.boolean("trainable", true)) {
        c.at("trainable").fail("frozen layers (trainable=false) are not supported by initlab yet");
      }
      out.model.add(layer);
      if (shape) shape = layer->output_shape(*shape);
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& e) {
      entries[i].fail(e.what());
    }
  }
  if (out.model.layers().empty()) layer_list(config).fail("the model has no layers");

  if (auto cc = doc.find("compile_config")) {
    cc->expect_object();
    if (!cc->keys().empty()) out.compile = keras_compile_settings(*cc);
  }
  return out;
}

KerasModel load_keras_model(const std::string& path) { return keras_model_from_json(read_json_file(path), path); }

}  // namespace initlab
