// Careless or hostile JSON: nesting that would overflow the stack, values that
// would make megabyte messages, numbers that would wrap or overflow, documents
// too large for memory, and keys Keras does not know. Every case is refused
// with a message that names the source and the field.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/json_text.hpp"
#include "initlab/core/memory_budget.hpp"
#include "initlab/core/suggest.hpp"
#include "initlab/init/initializer.hpp"
#include "initlab/io/keras_model.hpp"
#include "initlab/lab/train_job.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using nlohmann::json;
using testing::error_of;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A value nested `depth` levels deep, built without recursion.
json deep_array(int depth) {
  json j = 1;
  for (int i = 0; i < depth; ++i) j = json::array({std::move(j)});
  return j;
}

// Keras 3: Input(4) → Dense(3, relu) → Dense(1), compiled with Adam and MSE.
json small_model() {
  return json::parse(R"({
    "module": "keras", "class_name": "Sequential", "registered_name": null,
    "config": {"name": "small", "trainable": true, "dtype": "float32", "layers": [
      {"module": "keras.layers", "class_name": "InputLayer", "registered_name": null,
       "config": {"batch_shape": [null, 4], "dtype": "float32", "sparse": false, "ragged": false, "name": "in"}},
      {"module": "keras.layers", "class_name": "Dense", "registered_name": null,
       "config": {"name": "hidden", "trainable": true, "dtype": "float32", "units": 3, "activation": "relu",
                  "use_bias": true, "kernel_initializer": {"module": "keras.initializers", "class_name": "HeNormal",
                  "config": {"seed": null}, "registered_name": null}, "bias_initializer": "zeros",
                  "kernel_regularizer": null, "bias_regularizer": null, "kernel_constraint": null,
                  "bias_constraint": null}},
      {"module": "keras.layers", "class_name": "Dense", "registered_name": null,
       "config": {"name": "out", "units": 1}}]},
    "compile_config": {"optimizer": {"module": "keras.optimizers", "class_name": "Adam",
                                     "config": {"name": "adam", "learning_rate": 0.001, "beta_1": 0.9}},
                       "loss": "mean_squared_error", "metrics": null}})");
}

std::string load_error(const json& doc) {
  return error_of([&] { keras_model_from_json(doc, "m.json"); });
}

// ---- nesting ---------------------------------------------------------------------

TEST(JsonHardening, DeepNestingIsRefusedBeforeAnythingIsBuilt) {
  const std::string deep = "{\"units\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  const std::string e = error_of([&] { parse_json(deep, "deep.json"); });
  EXPECT_EQ(e, "deep.json:1:74: JSON nested deeper than 64 levels (initlab reads model and config files, which nest "
               "a few levels)");
  // The object counts as a level. The same when the text is not even valid JSON (never closed).
  EXPECT_TRUE(contains(error_of([] { parse_json(std::string(1000000, '['), "open.json"); }),
                       "open.json:1:65: JSON nested deeper than 64 levels"));
  // 64 levels are fine; brackets inside strings do not count.
  EXPECT_NO_THROW(parse_json(std::string(64, '[') + std::string(64, ']'), "ok.json"));
  EXPECT_TRUE(contains(error_of([] { parse_json(std::string(65, '[') + std::string(65, ']'), "x"); }), "x:1:65: "));
  const json s = parse_json("[\"" + std::string(1000, '[') + "\\\"[{\"]", "s.json");
  EXPECT_EQ(s[0].get<std::string>().size(), 1003u);
  // Line and column of the bracket that goes too deep.
  EXPECT_TRUE(contains(error_of([] { parse_json("{\n  \"a\":\n" + std::string(70, '['), "l.json"); }), "l.json:3:64: "));
}

TEST(JsonHardening, DeepInitializerConfigsNeverOverflowTheStack) {
  // Through Initializer::parse (initlab init '<json>', --init in the lab).
  const std::string text = R"({"class_name": "Constant", "config": {"value": )" + std::string(60000, '[') +
                           std::string(60000, ']') + "}}";
  EXPECT_TRUE(contains(error_of([&] { Initializer::parse(text); }), "JSON nested deeper than 64 levels"));
  // A value built in C++, 100 000 levels deep, quoted in the error: a short excerpt.
  // Moved into place, never copied: copying a value this deep recurses (in nlohmann::json, not initlab).
  json config = json::object();
  config["class_name"] = "Constant";
  config["config"] = json::object();
  config["config"]["value"] = deep_array(100000);
  const std::string e = error_of([&] { Initializer::from_config(config); });
  EXPECT_TRUE(contains(e, "initializer config: nested deeper than 64 levels")) << e;
  EXPECT_TRUE(contains(e, "[[[[")) << e;
  EXPECT_LT(e.size(), 300u) << e;
}

// ---- excerpts --------------------------------------------------------------------

TEST(JsonHardening, MessagesQuoteShortExcerpts) {
  json big = json::array();
  for (int i = 0; i < 30000; ++i) big.push_back(i);  // ~170 KB as JSON
  EXPECT_EQ(json_excerpt(big).substr(0, 12), "[0, 1, 2, 3,");
  EXPECT_TRUE(contains(json_excerpt(big), "... (a list of 30000 elements)"));
  EXPECT_LE(json_excerpt(big).size(), 120u);
  EXPECT_EQ(json_excerpt(json{{"a", 1}}), "{\"a\": 1}");
  EXPECT_EQ(json_excerpt(json("short")), "\"short\"");
  const std::string long_text(1 << 20, 'x');
  EXPECT_LE(json_excerpt(json(long_text)).size(), 90u);
  // Invalid UTF-8 (a command-line value) is replaced, not thrown.
  EXPECT_NO_THROW(json_excerpt(json(std::string("\xff\xfe abc"))));
  EXPECT_NO_THROW(json_excerpt(json(std::string(200, '\xc3'))));

  // A 170 KB value where a number belongs, in a model file and in an initializer config.
  json doc = small_model();
  doc["config"]["layers"][1]["config"]["units"] = big;
  const std::string e = load_error(doc);
  EXPECT_TRUE(contains(e, "m.json: config.layers[1].config.units: expected an integer, found [0, 1, 2")) << e;
  EXPECT_LT(e.size(), 250u) << e;
  // A megabyte-long keyword (activation, padding) is no keyword: refused with an excerpt.
  doc = small_model();
  doc["config"]["layers"][1]["config"]["activation"] = std::string(1 << 20, 'r');
  const std::string ea = load_error(doc);
  EXPECT_TRUE(contains(ea, "config.layers[1].config.activation: expected a short string for activation")) << ea.substr(0, 300);
  EXPECT_LT(ea.size(), 250u);
  doc = small_model();
  doc["config"]["layers"][1]["registered_name"] = 5;
  EXPECT_EQ(load_error(doc), "m.json: config.layers[1].registered_name: expected null or a class name, found 5");
  const std::string e2 = error_of([&] { Initializer::from_config({{"class_name", "RandomNormal"}, {"config", {{"stddev", big}}}}); });
  EXPECT_LT(e2.size(), 250u) << e2;
  // A megabyte-long initializer id or key: quoted by an excerpt, and the suggestion is instant.
  const auto start = std::chrono::steady_clock::now();
  const std::string e3 = error_of([&] { Initializer::parse(std::string(1 << 20, 'q')); });
  const std::string e4 = error_of([&] { Initializer::from_config({{"class_name", "Zeros"}, {"config", {{long_text, 1}}}}); });
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 1.0);
  EXPECT_TRUE(contains(e3, "unknown initializer 'qqqq")) << e3.substr(0, 300);
  EXPECT_LT(e3.size(), 2000u);
  EXPECT_LT(e4.size(), 400u);
  const std::string e5 = error_of([&] { Initializer::from_config({{"class_name", "VarianceScaling"}, {"config", {{"mode", long_text}}}}); });
  EXPECT_TRUE(contains(e5, "config.mode: expected a name of at most 256 characters")) << e5.substr(0, 300);
  EXPECT_LT(e5.size(), 250u);
}

// ---- numbers -----------------------------------------------------------------------

TEST(JsonHardening, NumberOverflowNamesTheSourceAndPosition) {
  const std::string e = error_of([] { parse_json("{\n  \"units\": 1e400\n}", "m.json"); });
  EXPECT_EQ(e, "m.json:2:12: number out of range: 1e400 (a JSON number must lie within ±1.8e308)");
  EXPECT_TRUE(contains(error_of([] { parse_json("[-1e309]", "n.json"); }), "n.json:1:2: number out of range: -1e309"));
  EXPECT_TRUE(contains(error_of([] { Initializer::parse(R"({"class_name": "Constant", "config": {"value": 1e400}})"); }),
                       "initializer:1:48: number out of range: 1e400"));
  // Syntax errors keep their line and column, and quote a long token by an excerpt.
  const std::string unterminated = "[\"" + std::string(1 << 20, 'a');
  const std::string e2 = error_of([&] { parse_json(unterminated, "u.json"); });
  EXPECT_TRUE(contains(e2, "u.json:1:")) << e2.substr(0, 300);
  EXPECT_TRUE(contains(e2, "not valid JSON: syntax error")) << e2.substr(0, 300);
  EXPECT_LT(e2.size(), 300u);
}

TEST(JsonHardening, IntegersAreReadAtTheFieldsRange) {
  const json j = json::parse(R"({"big": 18446744073709551615, "over": 4294967297, "neg": -5, "half": 2.5,
                                 "whole": 3.0, "huge": 1e30, "max": 9223372036854775807})");
  const JsonValue v(j, "f.json");
  EXPECT_EQ(error_of([&] { v.at("big").integer(); }),
            "f.json: big: expected an integer within the int64 range, found 18446744073709551615");
  EXPECT_EQ(error_of([&] { v.at("over").integer_in(0, 2147483647); }),
            "f.json: over: expected an integer from 0 to 2147483647, found 4294967297");
  EXPECT_EQ(error_of([&] { v.at("neg").unsigned_integer(); }), "f.json: neg: expected a non-negative integer, found -5");
  EXPECT_EQ(error_of([&] { v.at("neg").integer_in(1, INT64_MAX); }), "f.json: neg: expected an integer >= 1, found -5");
  EXPECT_EQ(error_of([&] { v.at("half").integer(); }), "f.json: half: expected an integer, found 2.5");
  EXPECT_EQ(error_of([&] { v.at("huge").integer(); }), "f.json: huge: expected an integer within the int64 range, found 1e+30");
  EXPECT_EQ(v.at("whole").integer(), 3);
  EXPECT_EQ(v.at("max").integer(), INT64_MAX);
  EXPECT_EQ(v.at("big").unsigned_integer(), UINT64_MAX);
  EXPECT_DOUBLE_EQ(v.at("huge").float32(), 1e30);
  const json f = json::parse(R"({"x": 1e39})");
  EXPECT_EQ(error_of([&] { JsonValue(f, "f.json").at("x").float32(); }),
            "f.json: x: expected a number float32 can hold (at most 3.4e38 in magnitude), found 1e+39");
}

TEST(JsonHardening, LayerSizesAreWholePositiveAndBounded) {
  auto with = [](const char* key, const json& value) {
    json doc = small_model();
    doc["config"]["layers"][1]["config"][key] = value;
    return load_error(doc);
  };
  EXPECT_EQ(with("units", json::parse("18446744073709551615")),
            "m.json: config.layers[1].config.units: expected an integer within the int64 range, found "
            "18446744073709551615");
  EXPECT_EQ(with("units", -3), "m.json: config.layers[1].config.units: expected a positive number of units, found -3");
  EXPECT_EQ(with("units", 4294967297), "m.json: config.layers[1].config.units: expected at most 2147483647 units, found 4294967297");
  EXPECT_EQ(with("units", 1e12), "m.json: config.layers[1].config.units: expected at most 2147483647 units, found 1000000000000");

  // Pooling and convolution sizes on every axis, with the element's path.
  json cnn = json::parse(R"({"class_name": "Sequential", "config": {"name": "c", "layers": [
      {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 8, 8, 1]}},
      {"class_name": "Conv2D", "config": {"name": "conv", "filters": 2, "kernel_size": [3, 3]}},
      {"class_name": "MaxPooling2D", "config": {"name": "pool", "pool_size": [2, 2]}}]}})");
  auto cnn_with = [&](int layer, const char* key, const json& value) {
    json doc = cnn;
    doc["config"]["layers"][layer]["config"][key] = value;
    return load_error(doc);
  };
  EXPECT_EQ(cnn_with(2, "strides", {2, 0}),
            "m.json: config.layers[2].config.strides[1]: expected a positive number of strides, found 0");
  EXPECT_EQ(cnn_with(2, "pool_size", 0), "m.json: config.layers[2].config.pool_size: expected a positive number of pool_size, found 0");
  EXPECT_EQ(cnn_with(2, "pool_size", {2, 2, 2}),
            "m.json: config.layers[2].config.pool_size: expected an integer or a list of two integers, found [2, 2, 2]");
  EXPECT_EQ(cnn_with(1, "kernel_size", {3, 1099511627776}),
            "m.json: config.layers[1].config.kernel_size[1]: expected at most 2147483647 kernel_size, found 1099511627776");
  EXPECT_EQ(cnn_with(1, "dilation_rate", {1, -1}),
            "m.json: config.layers[1].config.dilation_rate[1]: expected a positive number of dilation_rate, found -1");
  EXPECT_EQ(cnn_with(1, "filters", 0), "m.json: config.layers[1].config.filters: expected a positive number of filters, found 0");
  EXPECT_EQ(cnn_with(1, "groups", 0), "m.json: config.layers[1].config.groups: expected a positive number of groups, found 0");
  // The input shape: every dimension a size; the rank bounded.
  json doc = cnn;
  doc["config"]["layers"][0]["config"]["batch_input_shape"] = {nullptr, 8, 4294967296LL, 1};
  EXPECT_EQ(load_error(doc), "m.json: config.layers[0].config.batch_input_shape[2]: expected a dimension of at most "
                             "2147483647, found 4294967296");
  doc["config"]["layers"][0]["config"]["batch_input_shape"] = json::array({nullptr});
  for (int i = 0; i < 20; ++i) doc["config"]["layers"][0]["config"]["batch_input_shape"].push_back(1);
  EXPECT_EQ(load_error(doc),
            "m.json: config.layers[0].config.batch_input_shape: expected at most 8 dimensions besides the batch, found 20");
}

TEST(JsonHardening, InitializerNumbersMustFitFloat32) {
  auto err = [](const json& config) { return error_of([&] { Initializer::from_config(config); }); };
  EXPECT_EQ(err({{"class_name", "Constant"}, {"config", {{"value", 1e39}}}}),
            "Constant: config.value: expected a number float32 can hold (at most 3.4e38 in magnitude), got 1e+39");
  EXPECT_TRUE(contains(err({{"class_name", "RandomUniform"}, {"config", {{"minval", -3e38}, {"maxval", 3e38}}}}),
                       "RandomUniform: config.maxval - config.minval = 6e+38 exceeds float32's range"));
  EXPECT_TRUE(contains(err({{"class_name", "RandomUniform"}, {"config", {{"minval", 0.1}, {"maxval", 0.100000000001}}}}),
                       "are the same float32 value"));
  EXPECT_TRUE(contains(err({{"class_name", "RandomNormal"}, {"config", {{"stddev", 1e38}}}}),
                       "RandomNormal: config.stddev: mean 0 and stddev 1e+38 draw values beyond float32's range"));
  EXPECT_TRUE(contains(err({{"class_name", "TruncatedNormal"}, {"config", {{"mean", 3e38}, {"stddev", 1e38}}}}),
                       "TruncatedNormal: config.stddev"));
  EXPECT_TRUE(contains(err({{"class_name", "XavierNormal"}, {"config", {{"gain", 1e38}}}}), "XavierNormal: config.gain"));
  EXPECT_TRUE(contains(err({{"class_name", "Dirac"}, {"config", {{"groups", json::parse("18446744073709551615")}}}}),
                       "Dirac: config.groups: expected an integer within the int64 range"));
  EXPECT_TRUE(contains(err({{"class_name", "VarianceScaling"}, {"config", {{"input_axes", {0, 4294967296LL}},
                                                                           {"output_axes", {1}}}}}),
                       "config.input_axes: expected an integer axis"));
  // What fits still works, to the float32 edge.
  Tensor t = Initializer::from_config({{"class_name", "Constant"}, {"config", {{"value", 3.4e38}}}})(Shape{4});
  EXPECT_TRUE(std::isfinite(t[0]));
  Tensor u = Initializer::from_config({{"class_name", "RandomUniform"}, {"config", {{"minval", -1e38}, {"maxval", 1e38}}}})(Shape{1000});
  float lo = u[0], hi = u[0];
  for (float x : u.values()) {
    ASSERT_TRUE(std::isfinite(x));
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  EXPECT_LT(lo, hi);  // not a constant
}

// ---- one rule for unknown keys -------------------------------------------------------

TEST(JsonHardening, UnknownKeysAreRefusedWithTheClosestKnownOne) {
  json doc = small_model();
  doc["compile_config"]["optimizer"]["config"]["betaa_1"] = 0.8;
  std::string e = load_error(doc);
  EXPECT_TRUE(contains(e, "m.json: compile_config.optimizer.config.betaa_1: unknown field 'betaa_1'; did you mean "
                          "'beta_1'? (Adam's config takes: name, learning_rate,"))
      << e;

  doc = small_model();
  doc["config"]["layers"][1]["config"]["unitz"] = 3;
  e = load_error(doc);
  EXPECT_TRUE(contains(e, "m.json: config.layers[1].config.unitz: unknown field 'unitz'; did you mean 'units'? (a Dense "
                          "layer takes: name, trainable, dtype,"))
      << e;

  doc = small_model();
  doc["config"]["layers"][1]["class_nam"] = "Dense";
  EXPECT_TRUE(contains(load_error(doc), "config.layers[1].class_nam: unknown field 'class_nam'; did you mean 'class_name'?"));

  doc = small_model();
  doc["compile_config"]["loss"] = {{"class_name", "MeanSquaredError"}, {"config", {{"from_logits", false}}}};
  EXPECT_TRUE(contains(load_error(doc), "compile_config.loss.config.from_logits: unknown field 'from_logits'"));
  doc["compile_config"]["loss"] = {{"class_name", "BinaryCrossentropy"}, {"config", {{"from_logit", true}}}};
  EXPECT_TRUE(contains(load_error(doc), "did you mean 'from_logits'?"));
  doc["compile_config"]["loss"] = "mean_squared_error";
  doc["compile_config"]["metrics"] = {{{"class_name", "BinaryAccuracy"}, {"config", {{"treshold", 0.5}}}}};
  EXPECT_TRUE(contains(load_error(doc), "compile_config.metrics[0].config.treshold: unknown field 'treshold'; did you mean "
                                        "'threshold'?"));
  doc = small_model();
  doc["compile_config"]["metric"] = {"accuracy"};
  EXPECT_TRUE(contains(load_error(doc), "compile_config.metric: unknown field 'metric'; did you mean 'metrics'?"));
  doc = small_model();
  doc["config"]["layer"] = json::array();
  EXPECT_TRUE(contains(load_error(doc), "m.json: config.layer: unknown field 'layer'; did you mean 'layers'?"));
  doc = small_model();
  doc["compile_confg"] = json::object();
  EXPECT_TRUE(contains(load_error(doc), "m.json: compile_confg: unknown field 'compile_confg'; did you mean 'compile_config'?"));
  doc = small_model();
  doc["config"]["layers"][0]["config"]["batch_shap"] = {nullptr, 4};
  EXPECT_TRUE(contains(load_error(doc), "did you mean 'batch_shape'?"));
  // A non-default value of a key Keras writes and initlab does not implement.
  doc = small_model();
  doc["compile_config"]["optimizer"]["config"]["gradient_accumulation_steps"] = 4;
  EXPECT_TRUE(contains(load_error(doc), "gradient_accumulation_steps: gradient accumulation is not implemented"));
  doc = small_model();
  doc["config"]["layers"][0]["config"]["sparse"] = true;
  EXPECT_TRUE(contains(load_error(doc), "config.layers[0].config.sparse: sparse inputs are not supported"));
  doc = small_model();
  doc["config"]["layers"][2]["config"]["dynamic"] = true;
  EXPECT_TRUE(contains(load_error(doc), "config.layers[2].config.dynamic: eager-only"));
  // An unknown layer class gets a suggestion too.
  doc = small_model();
  doc["config"]["layers"][2]["class_name"] = "Dens";
  EXPECT_TRUE(contains(load_error(doc), "unknown layer \"Dens\"; did you mean 'Dense'?"));
  // Initializer configs keep their rule, now with the suggestion.
  EXPECT_EQ(error_of([] { Initializer::from_config({{"class_name", "RandomNormal"}, {"config", {{"stdev", 0.1}}}}); }),
            "RandomNormal: config.stdev: unknown field 'stdev'; did you mean 'stddev'? (RandomNormal takes: mean, seed, "
            "stddev)");
  EXPECT_TRUE(contains(error_of([] { Initializer::from_config({{"class_name", "HeNormal"}, {"confg", json::object()}}); }),
                       "unknown field 'confg'; did you mean 'config'?"));
}

TEST(JsonHardening, WhatKerasWritesStillLoads) {
  // tf-keras 2.15 keys (activity_regularizer, dynamic=false, a mixed-precision
  // Policy named float32), Keras 3's BatchNormalization renorm keys, a shared
  // initializer (shared_object_id), build_config, Dropout's seed.
  const json doc = json::parse(R"({
    "class_name": "Sequential", "keras_version": "2.15.0", "backend": "tensorflow",
    "config": {"name": "tfk", "layers": [
      {"module": "keras.layers", "class_name": "InputLayer", "registered_name": null,
       "config": {"batch_input_shape": [null, 6], "dtype": "float32", "sparse": false, "ragged": false, "name": "input_1"}},
      {"module": "keras.layers", "class_name": "Dense", "registered_name": null, "build_config": {"input_shape": [null, 6]},
       "config": {"name": "d", "trainable": true, "dtype": {"class_name": "Policy", "config": {"name": "float32"}},
                  "dynamic": false, "units": 5, "activation": "relu", "use_bias": true,
                  "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                         "config": {"seed": 3}, "registered_name": null, "shared_object_id": 1234},
                  "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null,
                  "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null,
                  "bias_constraint": null}},
      {"module": "keras.layers", "class_name": "BatchNormalization", "registered_name": null,
       "config": {"name": "bn", "trainable": true, "dtype": "float32", "axis": -1, "momentum": 0.99, "epsilon": 0.001,
                  "center": true, "scale": true, "synchronized": false, "renorm": false, "renorm_clipping": null,
                  "renorm_momentum": 0.99, "beta_regularizer": null, "gamma_regularizer": null,
                  "beta_constraint": null, "gamma_constraint": null}},
      {"module": "keras.layers", "class_name": "Dropout", "registered_name": null,
       "config": {"name": "drop", "trainable": true, "dtype": "float32", "rate": 0.1, "noise_shape": null, "seed": 42}},
      {"module": "keras.layers", "class_name": "Dense", "registered_name": null,
       "config": {"name": "o", "units": 2, "activation": "softmax", "lora_alpha": null}}]}})");
  KerasModel k = keras_model_from_json(doc, "tfk.json");
  EXPECT_EQ(k.model.layers().size(), 4u);
  EXPECT_EQ(k.model.output_shape(), Shape{2});
  // compile_config with every key Keras 3 writes, tf-keras optimizer keys too.
  json c = small_model();
  c["compile_config"] = json::parse(R"({
    "optimizer": {"module": "keras.optimizers", "class_name": "RMSprop", "registered_name": null,
                  "config": {"name": "rmsprop", "learning_rate": 0.001, "weight_decay": null, "clipnorm": null,
                             "global_clipnorm": null, "clipvalue": null, "use_ema": false, "ema_momentum": 0.99,
                             "ema_overwrite_frequency": null, "loss_scale_factor": null,
                             "gradient_accumulation_steps": null, "jit_compile": true, "is_legacy_optimizer": false,
                             "rho": 0.9, "momentum": 0.0, "epsilon": 1e-07, "centered": false}},
    "loss": {"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy", "registered_name": null,
             "config": {"name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
                        "from_logits": true, "ignore_class": null, "axis": -1}},
    "loss_weights": null,
    "metrics": [{"module": "keras.metrics", "class_name": "SparseCategoricalAccuracy",
                 "config": {"name": "sparse_categorical_accuracy", "dtype": "float32"}, "registered_name": null}],
    "weighted_metrics": null, "run_eagerly": false, "steps_per_execution": 1, "jit_compile": "auto"})");
  KerasModel k2 = keras_model_from_json(c, "c.json");
  ASSERT_TRUE(k2.compile);
  EXPECT_EQ(k2.compile->metrics, std::vector<std::string>{"sparse_categorical_accuracy"});
  // Every example file loads.
  for (const char* f : {"fashion_mlp.json", "fashion_mlp_rmsprop.json", "fashion_cnn.json"}) {
    EXPECT_NO_THROW(load_keras_model(std::string(INITLAB_SOURCE_DIR) + "/examples/configs/" + f)) << f;
  }
}

// ---- memory ---------------------------------------------------------------------------

TEST(JsonHardening, ADocumentsMemoryIsCheckedBeforeItIsParsed) {
  std::string text = "[";
  for (int i = 0; i < 2000000; ++i) text += "[],";
  text.back() = ']';
  // 6 MB of empty arrays take ~17× their size in nlohmann's values.
  const uint64_t estimate = json_memory_estimate(text);
  EXPECT_GT(estimate, 17u * text.size());
  EXPECT_LT(estimate, 60u * text.size());
  set_memory_budget(uint64_t{80} << 20);
  const std::string e = error_of([&] { parse_json(text, "big.json"); });
  set_memory_budget(std::nullopt);
  EXPECT_TRUE(contains(e, "big.json: parsing this 6.00 MB JSON document needs ")) << e;
  EXPECT_NO_THROW(parse_json(text, "big.json"));
}

// ---- the training section ----------------------------------------------------------------

struct TempDir {
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("initlab-json-hardening-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::filesystem::path path;
};

TEST(JsonHardening, TrainingSectionNumbersAndKeys) {
  TempDir dir;
  auto run = [&](const std::function<void(json&)>& edit) {
    json job = small_model();
    job["compile_config"]["loss"] = "binary_crossentropy";
    job["config"]["layers"][0]["config"]["batch_shape"] = {nullptr, 2};
    job["training"] = {{"dataset", {{"name", "xor"}, {"samples", 40}}}, {"epochs", 1}, {"seed", 1}};
    edit(job);
    const std::string path = dir.file("job.json");
    write_file_atomically(path, job.dump());
    std::ostringstream out;
    return error_of([&] { run_train_job(path, {.out_dir = dir.file("run"), .verbose = Verbosity::kSilent}, out); });
  };
  const std::string p = dir.file("job.json");
  EXPECT_EQ(run([](json& j) { j["training"]["epochs"] = 4294967297LL; }),
            p + ": training.epochs: expected an integer from 0 to 2147483647, found 4294967297");
  EXPECT_EQ(run([](json& j) { j["training"]["seed"] = -1; }), p + ": training.seed: expected a non-negative integer, found -1");
  EXPECT_EQ(run([](json& j) { j["training"]["batch_size"] = 0; }), p + ": training.batch_size: expected an integer >= 1, found 0");
  EXPECT_EQ(run([](json& j) { j["training"]["dataset"]["samples"] = -5; }),
            p + ": training.dataset.samples: expected an integer >= 1, found -5");
  EXPECT_EQ(run([](json& j) { j["training"]["dataset"]["seed"] = 1.5; }), p + ": training.dataset.seed: expected an integer, found 1.5");
  EXPECT_TRUE(contains(run([](json& j) { j["training"]["epoch"] = 3; }),
                       p + ": training.epoch: unknown field 'epoch'; did you mean 'epochs'? (the training section takes: "));
  EXPECT_TRUE(contains(run([](json& j) { j["training"]["dataset"]["nois"] = 0.1; }),
                       "training.dataset.nois: unknown field 'nois'; did you mean 'noise'?"));
  EXPECT_TRUE(contains(run([](json& j) { j["training"]["dataset"]["name"] = "spirall"; }),
                       "training.dataset.name: unknown data set \"spirall\"; did you mean 'spiral'?"));
  EXPECT_TRUE(contains(run([](json& j) { j["trainig"] = json::object(); }), "trainig: unknown field 'trainig'; did you mean 'training'?"));
  EXPECT_TRUE(contains(run([](json& j) { j["training"]["optimizer"] = {{"class_name", "SGD"}, {"config", {{"momentun", 0.9}}}}; }),
                       "training.optimizer.config.momentun: unknown field 'momentun'; did you mean 'momentum'?"));
  EXPECT_TRUE(contains(run([](json& j) { j["training"]["optimizer"] = {{"class_name", "Adamm"}}; }),
                       "unknown optimizer \"Adamm\"; did you mean 'Adam'?"));
  // The wrapped form checks its own two keys.
  EXPECT_TRUE(contains(run([](json& j) { j = {{"model", j}, {"trainng", json::object()}}; }),
                       "trainng: unknown field 'trainng'; did you mean 'training'?"));
  // And a well-formed job still trains.
  EXPECT_EQ(run([](json&) {}), "(no error)");
}

// ---- suggestions ---------------------------------------------------------------------------

TEST(JsonHardening, SuggestionsAreCheapAndPlausible) {
  EXPECT_EQ(edit_distance("beta_1", "betaa_1"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_GT(edit_distance(std::string(1 << 20, 'a'), "abc", 3), 3u);  // stops at once
  EXPECT_EQ(did_you_mean("betaa_1", {"beta_1", "beta_2", "epsilon"}), "; did you mean 'beta_1'?");
  EXPECT_EQ(did_you_mean("zzzzzz", {"beta_1", "beta_2", "epsilon"}), "");
  EXPECT_EQ(did_you_mean("Units", {"units"}), "; did you mean 'units'?");
  EXPECT_EQ(closest_word("he_nromal", {"glorot_uniform", "he_normal"}), std::optional<std::string>("he_normal"));
  EXPECT_EQ(text_excerpt(std::string(100, 'x'), 20), std::string(17, 'x') + "... (100 bytes)");
  EXPECT_EQ(text_excerpt("short", 20), "short");
}

}  // namespace
}  // namespace initlab
