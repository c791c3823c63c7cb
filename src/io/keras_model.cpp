#include "initlab/io/keras_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>

#include "initlab/core/error.hpp"
#include "initlab/core/json_text.hpp"
#include "initlab/core/suggest.hpp"
#include "initlab/init/initializer.hpp"
#include "initlab/nn/activation_layer.hpp"
#include "initlab/nn/batch_normalization.hpp"
#include "initlab/nn/conv2d.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/dropout.hpp"
#include "initlab/nn/normalization.hpp"
#include "initlab/nn/pooling.hpp"
#include "keras_layer_keys.hpp"

namespace initlab {
namespace {

// The layer's "config" and what the reader knows around it.
struct LayerEntry {
  std::string class_name;
  JsonValue config;
};

// Sizes (units, filters, kernel and pool sizes, strides, dimensions) are at
// least 1 and fit an int32: nothing larger is a layer anyone builds, and
// products of such sizes stay far from int64's range.
constexpr int64_t kMaxSize = 2147483647;

// Keys of the envelope Keras writes around every object: Keras 3's
// serialize_keras_object, tf-keras's legacy {"class_name", "config"} entries,
// functional models' "name" and "inbound_nodes", and "shared_object_id" when a
// .keras file's config serializes one instance twice.
const std::vector<std::string>& envelope_keys() {
  static const std::vector<std::string> keys = {"module",        "class_name", "config", "registered_name",
                                                "build_config",  "name",       "inbound_nodes",
                                                "shared_object_id"};
  return keys;
}

// Keys every layer's get_config() may write (Keras 3 Layer/Operation, tf-keras
// base_layer): "dynamic" only when true, the input shapes on a first layer.
const std::vector<std::string>& base_layer_keys() {
  static const std::vector<std::string> keys = {"name",        "trainable",         "dtype",      "batch_input_shape",
                                                "batch_shape", "input_shape",       "dynamic",    "activity_regularizer"};
  return keys;
}

// A positive size that fits an int32: "expected a positive number of units, found 0".
int64_t size_of(const JsonValue& v, const std::string& what) {
  const int64_t n = v.integer();
  if (n < 1) v.fail(fmt::format("expected a positive number of {}, found {}", what, n));
  if (n > kMaxSize) v.fail(fmt::format("expected at most {} {}, found {}", kMaxSize, what, n));
  return n;
}

// A keyword such as a padding, data format or activation name: a short
// string (a longer one is no keyword, and is quoted by an excerpt).
std::string keyword(const JsonValue& c, const std::string& key, const std::string& fallback) {
  auto v = c.find(key);
  if (!v) return fallback;
  const std::string t = v->text();
  if (t.size() > 64) v->fail_expected(fmt::format("a short string for {} (at most 64 characters)", key));
  return t;
}

int64_t size_of_or(const JsonValue& c, const std::string& key, int64_t fallback) {
  auto v = c.find(key);
  return v ? size_of(*v, key) : fallback;
}

// Keras layer names: the given one, or none (the model then names it as Keras would).
std::string layer_name(const JsonValue& c) { return c.text("name", ""); }

// A nested object that initlab does not implement must be absent or null.
void require_null(const JsonValue& c, const std::string& key, const std::string& why) {
  if (auto v = c.find(key)) v->fail(fmt::format("{} is not supported by initlab ({}); remove it or set it to null", key, why));
}

void require_absent_regularizers(const JsonValue& c, std::initializer_list<const char*> keys) {
  for (const char* k : keys) require_null(c, k, "regularizers and constraints are not implemented");
}

// "dtype": "float32" or a DTypePolicy envelope named float32 (tf-keras's
// mixed-precision "Policy" and Keras 3.0's "FloatDTypePolicy" too).
void check_dtype(const JsonValue& c) {
  auto v = c.find("dtype");
  if (!v) return;
  std::string name;
  if (v->is_string()) {
    name = v->text();
  } else if (v->is_object()) {
    v->check_keys(envelope_keys(), "a dtype policy");
    const std::string cls = v->at("class_name").text();
    if (cls.find("Quantized") != std::string::npos) {
      v->at("class_name").fail(fmt::format("quantized layers (\"{}\") are not supported by initlab", text_excerpt(cls)));
    }
    const JsonValue config = v->at("config");
    config.check_keys({"name"}, "a dtype policy's config");
    name = config.text("name", "float32");
  } else {
    v->fail_expected("a dtype name or a DTypePolicy");
  }
  if (name != "float32") {
    v->fail(fmt::format("initlab computes in float32; the dtype policy \"{}\" is not supported", text_excerpt(name)));
  }
}

void check_channels_last(const JsonValue& c) {
  const std::string f = keyword(c, "data_format", "channels_last");
  if (f != "channels_last") {
    c.at("data_format").fail(fmt::format("initlab's images are NHWC (\"channels_last\"); found \"{}\"", text_excerpt(f)));
  }
}

Activation activation_of(const JsonValue& c) {
  auto v = c.find("activation");
  if (!v) return Activation{};  // null is linear, as Keras
  if (!v->is_string()) {
    v->fail_expected("the name of a built-in activation (a custom activation function cannot be loaded)");
  }
  const std::string name = keyword(c, "activation", "linear");
  try {
    return Activation(name);
  } catch (const Error& e) {
    v->fail(text_excerpt(e.what(), 400));
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

// kernel_size, strides, pool_size, dilation_rate: n or [h, w], each a size.
std::array<int64_t, 2> pair_of(const JsonValue& c, const std::string& key, std::array<int64_t, 2> fallback) {
  auto v = c.find(key);
  if (!v) return fallback;
  if (v->json().is_number()) {
    const int64_t n = size_of(*v, key);
    return {n, n};
  }
  if (!v->is_array() || (v->json().size() != 1 && v->json().size() != 2)) {
    v->fail_expected("an integer or a list of two integers");
  }
  const auto e = v->elements();
  const int64_t h = size_of(e[0], key);
  return {h, e.size() == 1 ? h : size_of(e[1], key)};
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
    if (n > kMaxSize) dims[i].fail(fmt::format("expected a dimension of at most {}, found {}", kMaxSize, n));
    d.push_back(n);
  }
  if (with_batch && dims.empty()) v.fail("expected [batch, dims...], found an empty list");
  if (dims.size() > (with_batch ? 9u : 8u)) {
    v.fail(fmt::format("expected at most 8 dimensions besides the batch, found {}", dims.size() - (with_batch ? 1 : 0)));
  }
  if (with_batch && !dims[0].is_null()) dims[0].integer_in(1, INT64_MAX);  // a fixed batch size is metadata
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
  const int64_t units = size_of(c.at("units"), "units");
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
  require_null(c, "quantization_config", "quantized layers are not implemented");
  if (c.has("lora_rank")) c.at("lora_rank").fail("LoRA layers are not supported by initlab");
  check_channels_last(c);
  if (pair_of(c, "dilation_rate", {1, 1}) != std::array<int64_t, 2>{1, 1}) {
    c.at("dilation_rate").fail("dilated convolutions are not implemented; expected [1, 1]");
  }
  if (size_of_or(c, "groups", 1) != 1) c.at("groups").fail("grouped convolutions are not implemented; expected 1");
  const int64_t filters = size_of(c.at("filters"), "filters");
  c.at("kernel_size");  // a missing field is an error
  const auto kernel = pair_of(c, "kernel_size", {0, 0});
  return std::make_shared<Conv2D>(
      filters, kernel,
      Conv2DOptions{.strides = pair_of(c, "strides", {1, 1}),
                    .padding = keyword(c, "padding", "valid"),
                    .activation = activation_of(c),
                    .use_bias = c.boolean("use_bias", true),
                    .kernel_initializer = initializer_of(c, "kernel_initializer", "glorot_uniform"),
                    .bias_initializer = initializer_of(c, "bias_initializer", "zeros"),
                    .name = layer_name(c)});
}

std::shared_ptr<Layer> pooling(const JsonValue& c, bool max) {
  check_channels_last(c);
  const auto pool = pair_of(c, "pool_size", {2, 2});
  PoolingOptions o{.strides = pair_of(c, "strides", pool), .padding = keyword(c, "padding", "valid"), .name = layer_name(c)};
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
                        input ? fmt::format(" or {}", input->rank()) : "", json_excerpt(v->json())));
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
  require_null(c, "virtual_batch_size", "ghost batch normalization is not implemented");
  return std::make_shared<BatchNormalization>(BatchNormalizationOptions{
      .momentum = c.float32("momentum", 0.99), .epsilon = c.float32("epsilon", 1e-3), .name = layer_name(c)});
}

std::shared_ptr<Layer> dropout(const JsonValue& c) {
  require_null(c, "noise_shape", "dropout masks are element-wise");
  // A layer "seed" is accepted (a non-negative integer): initlab keys every
  // mask by (global seed, layer name, step).
  if (auto seed = c.find("seed")) seed->unsigned_integer();
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

// A layer class initlab reads: how, and the config keys Keras 3 and tf-keras
// 2.x write for it besides base_layer_keys() (keras_layer_keys.hpp, shared with
// the writer). A key in neither is refused with the closest one.
struct LayerKind {
  LayerReader read;
  std::vector<std::string> keys;
};

const std::map<std::string, LayerKind>& layer_readers() {
  auto plain = [](std::shared_ptr<Layer> (*f)(const JsonValue&)) -> LayerReader {
    return [f](const JsonValue& c, const std::optional<Shape>&) { return f(c); };
  };
  auto pool = [](bool max) -> LayerReader {
    return [max](const JsonValue& c, const std::optional<Shape>&) { return pooling(c, max); };
  };
  static const std::map<std::string, LayerReader> read = {
      {"Dense", plain(dense)},
      {"Conv2D", plain(conv2d)},
      {"MaxPooling2D", pool(true)},
      {"AveragePooling2D", pool(false)},
      {"GlobalAveragePooling2D", plain(global_average_pooling)},
      {"Flatten", plain(flatten)},
      {"BatchNormalization", batch_normalization},
      {"Dropout", plain(dropout)},
      {"Activation", plain(activation)},
      {"Normalization", normalization},
  };
  static const std::map<std::string, LayerKind> readers = [&] {
    std::map<std::string, LayerKind> out;
    for (const auto& k : detail::keras_layer_classes()) {
      LayerKind kind{read.at(k.class_name), k.written};
      kind.keys.insert(kind.keys.end(), k.also_read.begin(), k.also_read.end());
      out.emplace(k.class_name, kind);
      for (const auto& a : k.aliases) out.emplace(a, kind);
    }
    return out;
  }();
  return readers;
}

// Every key a layer of this kind may carry.
std::vector<std::string> layer_keys(const LayerKind& kind) {
  std::vector<std::string> keys = base_layer_keys();
  for (const auto& k : kind.keys) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);  // Conv2D writes activity_regularizer itself
  }
  return keys;
}

// InputLayer (Keras 3: batch_shape, dtype, sparse, ragged, name, optional;
// tf-keras: batch_input_shape; the deprecated input_shape).
void check_input_layer(const JsonValue& c) {
  const detail::KerasLayerKeys& input = detail::keras_input_layer_keys();
  std::vector<std::string> keys = input.written;
  keys.insert(keys.end(), input.also_read.begin(), input.also_read.end());
  c.check_keys(keys, "an InputLayer");
  for (const char* k : {"sparse", "ragged", "optional"}) {
    if (c.boolean(k, false)) c.at(k).fail(fmt::format("{} inputs are not supported by initlab; expected false", k));
  }
}

std::vector<std::string> layer_class_names() {
  std::vector<std::string> names = {"InputLayer"};
  for (const auto& [k, v] : layer_readers()) names.push_back(k);
  return names;
}

std::string known_layers() { return fmt::format("{}", fmt::join(layer_class_names(), ", ")); }

// {"module", "class_name", "config", "registered_name", ...} or the legacy {"class_name", "config"}.
LayerEntry layer_entry(const JsonValue& e) {
  e.expect_object();
  e.check_keys(envelope_keys(), "a layer entry");
  const std::string cls = e.at("class_name").text();
  if (auto r = e.find("registered_name"); r && !r->is_string()) r->fail_expected("null or a class name");
  if (auto r = e.find("registered_name"); r && r->text() != cls) {
    r->fail(fmt::format("'{}' is a custom registered class; initlab cannot load custom layers (it knows {})",
                        text_excerpt(r->text()), known_layers()));
  }
  if (auto b = e.find("build_config")) b->check_keys({"input_shape", "shapes_dict"}, "a build_config");
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
  if (doc.has("keras_version")) return fmt::format("tf-keras {}", text_excerpt(doc.text("keras_version", "2"), 20));
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

KerasModel keras_model_from_json(const JsonValue& doc, const std::vector<std::string>& beside) {
  doc.expect_object();
  // Keras 3's envelope and compile_config; tf-keras's keras_version and backend.
  std::vector<std::string> top = {"module",        "class_name",     "config",        "registered_name",
                                  "build_config",  "compile_config", "keras_version", "backend"};
  top.insert(top.end(), beside.begin(), beside.end());
  doc.check_keys(top, "a Keras model file");
  const std::string cls = doc.at("class_name").text();
  if (cls != "Sequential") {
    doc.at("class_name").fail(fmt::format("initlab loads Sequential models; found \"{}\"", text_excerpt(cls)));
  }
  const JsonValue config = doc.at("config");
  if (config.is_object()) {
    config.check_keys({"name", "trainable", "dtype", "layers", "build_input_shape"}, "a Sequential's config");
  }
  if (auto b = doc.find("build_config")) b->check_keys({"input_shape", "shapes_dict"}, "a build_config");
  KerasModel out{Sequential(config.is_object() ? config.text("name", "sequential") : "sequential"), dialect_of(doc), {}, {}};
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
      check_input_layer(c);
      check_dtype(c);
      const auto s = own_input_shape(c);
      if (!s) c.fail("missing field: batch_shape (or batch_input_shape)");
      set_input(*s);
      continue;
    }
    auto reader = layer_readers().find(entry.class_name);
    if (reader == layer_readers().end()) {
      entries[i].at("class_name").fail(fmt::format("unknown layer \"{}\"{} (initlab knows {})", text_excerpt(entry.class_name),
                                                   did_you_mean(entry.class_name, layer_class_names()), known_layers()));
    }
    c.check_keys(layer_keys(reader->second), fmt::format("a {} layer", entry.class_name));
    if (c.boolean("dynamic", false)) c.at("dynamic").fail("eager-only (dynamic) layers are not supported by initlab; expected false");
    check_dtype(c);
    if (!have_input && out.model.layers().empty()) {
      if (auto s = own_input_shape(c)) set_input(*s);
    }
    if (!have_input && out.model.layers().empty()) {
      if (auto s = model_input_shape(doc, config)) set_input(*s);
    }
    std::shared_ptr<Layer> layer;
    try {
      layer = reader->second.read(c, shape);
      if (!c.boolean("trainable", true)) {
        c.at("trainable").fail("frozen layers (trainable=false) are not supported by initlab yet");
      }
      out.model.add(layer);
      if (shape) shape = layer->output_shape(*shape);
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& e) {
      entries[i].fail(text_excerpt(e.what(), 500));
    }
  }
  if (out.model.layers().empty()) layer_list(config).fail("the model has no layers");

  if (auto cc = doc.find("compile_config")) {
    cc->expect_object();
    if (!cc->keys().empty()) out.compile = keras_compile_settings(*cc);
  }
  return out;
}

KerasModel load_keras_model(const std::string& path) {
  const nlohmann::json document = read_json_file(path);
  const JsonValue doc(document, path);
  // A training job ({"model": ..., "training": ...}, or the model with a
  // "training" section beside it) holds a model too.
  if (doc.is_object() && doc.has("model") && !doc.has("class_name")) {
    doc.check_keys({"model", "training"}, "a training job");
    return keras_model_from_json(doc.at("model"));
  }
  return keras_model_from_json(doc, {"training"});
}

}  // namespace initlab
