// Keras model JSON → Sequential: the three example files, the spec's Keras 3
// example, the tf-keras dialects, and errors that name the JSON path.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "initlab/core/seed.hpp"
#include "initlab/io/keras_model.hpp"
#include "initlab/nn/conv2d.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/pooling.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using nlohmann::json;
using testing::error_of;

std::string example(const std::string& name) { return std::string(INITLAB_SOURCE_DIR) + "/examples/configs/" + name; }

// The composed Keras 3.13 example of the format notes (coffee network, Adam(0.01), BinaryCrossentropy).
json keras3_coffee() {
  const json policy = {{"module", "keras"}, {"class_name", "DTypePolicy"}, {"config", {{"name", "float32"}}},
                       {"registered_name", nullptr}};
  auto dense = [&](const char* name, int units, int in) {
    return json{{"module", "keras.layers"},
                {"class_name", "Dense"},
                {"config",
                 {{"name", name}, {"trainable", true}, {"dtype", policy}, {"units", units}, {"activation", "sigmoid"},
                  {"use_bias", true},
                  {"kernel_initializer", {{"module", "keras.initializers"}, {"class_name", "GlorotUniform"},
                                          {"config", {{"seed", nullptr}}}, {"registered_name", nullptr}}},
                  {"bias_initializer", {{"module", "keras.initializers"}, {"class_name", "Zeros"},
                                        {"config", json::object()}, {"registered_name", nullptr}}},
                  {"kernel_regularizer", nullptr}, {"bias_regularizer", nullptr}, {"kernel_constraint", nullptr},
                  {"bias_constraint", nullptr}, {"quantization_config", nullptr}}},
                {"registered_name", nullptr},
                {"build_config", {{"input_shape", {nullptr, in}}}}};
  };
  return json{
      {"module", "keras"},
      {"class_name", "Sequential"},
      {"config",
       {{"name", "sequential"}, {"trainable", true}, {"dtype", policy},
        {"layers",
         {{{"module", "keras.layers"}, {"class_name", "InputLayer"},
           {"config", {{"batch_shape", {nullptr, 2}}, {"dtype", "float32"}, {"sparse", false}, {"ragged", false},
                       {"name", "input_layer"}, {"optional", false}}},
           {"registered_name", nullptr}},
          dense("layer1", 3, 2), dense("layer2", 1, 3)}},
        {"build_input_shape", {nullptr, 2}}}},
      {"registered_name", nullptr},
      {"build_config", {{"input_shape", {nullptr, 2}}}},
      {"compile_config",
       {{"optimizer", {{"module", "keras.optimizers"}, {"class_name", "Adam"},
                       {"config", {{"name", "adam"}, {"learning_rate", 0.009999999776482582}, {"weight_decay", nullptr},
                                   {"clipnorm", nullptr}, {"global_clipnorm", nullptr}, {"clipvalue", nullptr},
                                   {"use_ema", false}, {"ema_momentum", 0.99}, {"ema_overwrite_frequency", nullptr},
                                   {"loss_scale_factor", nullptr}, {"gradient_accumulation_steps", nullptr},
                                   {"beta_1", 0.9}, {"beta_2", 0.999}, {"epsilon", 1e-07}, {"amsgrad", false}}},
                       {"registered_name", nullptr}}},
        {"loss", {{"module", "keras.losses"}, {"class_name", "BinaryCrossentropy"},
                  {"config", {{"name", "binary_crossentropy"}, {"reduction", "sum_over_batch_size"},
                              {"from_logits", false}, {"label_smoothing", 0.0}, {"axis", -1}}},
                  {"registered_name", nullptr}}},
        {"loss_weights", nullptr}, {"metrics", nullptr}, {"weighted_metrics", nullptr}, {"run_eagerly", false},
        {"steps_per_execution", 1}, {"jit_compile", false}}}};
}

TEST(KerasModel, Keras3ExampleOfTheFormatNotes) {
  KerasModel k = keras_model_from_json(keras3_coffee(), "coffee.json");
  EXPECT_EQ(k.dialect, "Keras 3");
  Sequential& m = k.model;
  ASSERT_EQ(m.layers().size(), 2u);
  ASSERT_TRUE(m.input_shape().has_value());
  EXPECT_EQ(*m.input_shape(), Shape{2});
  auto& l1 = m.layer<Dense>("layer1");
  EXPECT_EQ(l1.units(), 3);
  EXPECT_EQ(l1.activation().kind(), Activation::Kind::kSigmoid);
  EXPECT_EQ(l1.options().kernel_initializer.id(), "glorot_uniform");
  EXPECT_EQ(l1.options().bias_initializer.id(), "zeros");
  EXPECT_EQ(m.output_shape(), Shape{1});
  ASSERT_TRUE(k.compile.has_value());
  EXPECT_EQ(k.compile->optimizer->name(), "Adam");
  EXPECT_NEAR(k.compile->optimizer->learning_rate(), 0.01, 1e-9);  // float32 read back as 0.00999999977
  EXPECT_EQ(k.compile->loss.kind(), Loss::Kind::kBinaryCrossentropy);
  EXPECT_FALSE(k.compile->loss.from_logits());
  EXPECT_TRUE(k.compile->metrics.empty());
}

// The loaded model holds exactly the weights of the same model built in C++:
// names and initializers map one to one, so the streams are the same.
TEST(KerasModel, WeightsEqualTheSameModelBuiltInCpp) {
  set_seed(77);
  KerasModel k = keras_model_from_json(keras3_coffee());
  k.model.build(Shape{2});
  Sequential m;
  m.add(Input(Shape{2}));
  m.add(Dense(3, {.activation = "sigmoid", .name = "layer1"}));
  m.add(Dense(1, {.activation = "sigmoid", .name = "layer2"}));
  m.build(Shape{2});
  const auto a = k.model.get_weights(), b = m.get_weights();
  ASSERT_EQ(a.size(), 4u);
  ASSERT_EQ(b.size(), 4u);
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].shape(), b[i].shape());
    for (int64_t j = 0; j < a[i].size(); ++j) ASSERT_EQ(a[i][j], b[i][j]) << "tensor " << i << " element " << j;
  }
  // And they are glorot_uniform's: |w| <= sqrt(6 / (2 + 3)).
  for (int64_t j = 0; j < a[0].size(); ++j) EXPECT_LE(std::abs(a[0][j]), std::sqrt(6.0 / 5.0));
}

TEST(KerasModel, ExampleMlp) {
  KerasModel k = load_keras_model(example("fashion_mlp.json"));
  Sequential& m = k.model;
  ASSERT_EQ(m.layers().size(), 3u);
  EXPECT_EQ(*m.input_shape(), (Shape{28, 28, 1}));
  EXPECT_EQ(m.layers()[0]->class_name(), "Flatten");
  auto& d = m.layer<Dense>("dense");
  EXPECT_EQ(d.units(), 64);
  EXPECT_EQ(d.activation().kind(), Activation::Kind::kRelu);
  EXPECT_EQ(m.layer<Dense>("dense_1").activation().kind(), Activation::Kind::kSoftmax);
  EXPECT_EQ(m.output_shape(), Shape{10});
  ASSERT_TRUE(k.compile);
  EXPECT_EQ(k.compile->optimizer->name(), "Adam");
  EXPECT_NEAR(k.compile->optimizer->learning_rate(), 1e-3, 1e-10);
  EXPECT_EQ(k.compile->loss.kind(), Loss::Kind::kCategoricalCrossentropy);
  EXPECT_EQ(k.compile->metrics, std::vector<std::string>{"accuracy"});
}

TEST(KerasModel, ExampleCnn) {
  KerasModel k = load_keras_model(example("fashion_cnn.json"));
  Sequential& m = k.model;
  ASSERT_EQ(m.layers().size(), 4u);
  auto& c = m.layer<Conv2D>("conv2d");
  EXPECT_EQ(c.describe(), "relu");
  m.build(Shape{28, 28, 1});
  EXPECT_EQ(c.kernel().shape(), (Shape{3, 3, 1, 32}));
  EXPECT_EQ(c.kernel().initializer().id(), "he_uniform");
  EXPECT_EQ(m.layers()[1]->class_name(), "MaxPooling2D");
  EXPECT_EQ(m.layers()[1]->output_shape(Shape{26, 26, 32}), (Shape{13, 13, 32}));
  EXPECT_EQ(m.layer<Dense>("dense").kernel().shape(), (Shape{5408, 10}));
  EXPECT_EQ(k.compile->optimizer->name(), "SGD");
  EXPECT_NEAR(k.compile->optimizer->learning_rate(), 0.01, 1e-9);
}

TEST(KerasModel, TfKerasDialectWithRandomNormal) {
  KerasModel k = load_keras_model(example("fashion_mlp_rmsprop.json"));
  EXPECT_EQ(k.dialect, "tf-keras 2.15.0");
  EXPECT_FALSE(k.compile.has_value());  // tf-keras's to_json has no compile_config
  Sequential& m = k.model;
  EXPECT_EQ(*m.input_shape(), Shape{784});
  auto& d = m.layer<Dense>("dense");
  EXPECT_EQ(d.units(), 128);
  const Initializer& init = d.options().kernel_initializer;
  EXPECT_EQ(init.id(), "random_normal");
  EXPECT_DOUBLE_EQ(init.theory(Shape{784, 128}).stddev, 0.01);
}

// Keras <= 2.12: legacy entries without "module", no InputLayer, the input
// shape on the first layer, "axis": [3] on a BatchNormalization after a Conv2D.
TEST(KerasModel, LegacyKeras2Entries) {
  const json doc = json::parse(R"({
    "class_name": "Sequential", "keras_version": "2.12.0", "backend": "tensorflow",
    "config": {"name": "legacy", "layers": [
      {"class_name": "Conv2D", "config": {"name": "c", "batch_input_shape": [null, 8, 8, 3], "dtype": "float32",
        "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "same", "data_format": "channels_last",
        "dilation_rate": [1, 1], "groups": 1, "activation": "linear", "use_bias": false,
        "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": 5}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": null,
        "bias_regularizer": null, "activity_regularizer": null, "kernel_constraint": null, "bias_constraint": null}},
      {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": [3], "momentum": 0.9, "epsilon": 0.001,
        "center": true, "scale": true, "beta_initializer": {"class_name": "Zeros", "config": {}},
        "gamma_initializer": {"class_name": "Ones", "config": {}}}},
      {"class_name": "Activation", "config": {"name": "a", "activation": "relu"}},
      {"class_name": "GlobalAveragePooling2D", "config": {"name": "g", "data_format": "channels_last"}},
      {"class_name": "Dropout", "config": {"name": "d", "rate": 0.25, "noise_shape": null, "seed": 3}},
      {"class_name": "Dense", "config": {"name": "out", "units": 2, "activation": "softmax"}}
    ]}})");
  KerasModel k = keras_model_from_json(doc, "legacy.json");
  EXPECT_EQ(k.dialect, "tf-keras 2.12.0");
  Sequential& m = k.model;
  EXPECT_EQ(*m.input_shape(), (Shape{8, 8, 3}));
  ASSERT_EQ(m.layers().size(), 6u);
  EXPECT_EQ(m.output_shape(), Shape{2});
  m.build(Shape{8, 8, 3});
  auto& c = m.layer<Conv2D>("c");
  EXPECT_EQ(c.bias(), nullptr);
  EXPECT_EQ(c.kernel().initializer().seed(), std::optional<uint64_t>(5));
  EXPECT_EQ(m.layer("bn").parameter_count(), 4 * 4);  // gamma, beta, moving mean and variance
  EXPECT_EQ(m.layer("d").class_name(), "Dropout");
}

// A document with one layer changed by `edit`.
json with_layer(const std::function<void(json& config)>& edit, int layer = 1) {
  json doc = keras3_coffee();
  edit(doc["config"]["layers"][layer]["config"]);
  return doc;
}

TEST(KerasModel, ErrorsNameTheJsonPath) {
  auto load = [](const json& doc) { return error_of([&] { keras_model_from_json(doc, "m.json"); }); };
  json unknown = keras3_coffee();
  unknown["config"]["layers"][2]["class_name"] = "LSTM";
  EXPECT_NE(load(unknown).find("m.json: config.layers[2].class_name: unknown layer \"LSTM\" (initlab knows InputLayer, "),
            std::string::npos)
      << load(unknown);

  EXPECT_EQ(load(with_layer([](json& c) { c.erase("units"); })), "m.json: config.layers[1].config.units: missing field");
  EXPECT_EQ(load(with_layer([](json& c) { c["units"] = "3"; })),
            "m.json: config.layers[1].config.units: expected an integer, found \"3\"");
  EXPECT_EQ(load(with_layer([](json& c) { c["units"] = 0; })),
            "m.json: config.layers[1].config.units: expected a positive number of units, found 0");
  EXPECT_EQ(load(with_layer([](json& c) { c["use_bias"] = 1; })),
            "m.json: config.layers[1].config.use_bias: expected true or false, found 1");
  EXPECT_NE(load(with_layer([](json& c) { c["activation"] = "relu6"; })).find("config.layers[1].config.activation: "),
            std::string::npos);
  EXPECT_NE(load(with_layer([](json& c) { c["kernel_regularizer"] = {{"class_name", "L2"}, {"config", {{"l2", 0.01}}}}; }))
                .find("m.json: config.layers[1].config.kernel_regularizer: kernel_regularizer is not supported"),
            std::string::npos);
  const std::string bad_init = load(with_layer([](json& c) { c["kernel_initializer"]["class_name"] = "HeNromal"; }));
  EXPECT_NE(bad_init.find("m.json: config.layers[1].config.kernel_initializer: "), std::string::npos) << bad_init;
  EXPECT_NE(bad_init.find("did you mean 'he_normal'"), std::string::npos) << bad_init;
  EXPECT_NE(load(with_layer([](json& c) { c["dtype"]["config"]["name"] = "mixed_float16"; }))
                .find("config.layers[1].config.dtype: initlab computes in float32"),
            std::string::npos);

  json no_layers = keras3_coffee();
  no_layers["config"].erase("layers");
  EXPECT_EQ(load(no_layers), "m.json: config.layers: missing field");
  json functional = keras3_coffee();
  functional["class_name"] = "Functional";
  EXPECT_EQ(load(functional), "m.json: class_name: initlab loads Sequential models; found \"Functional\"");
  json custom = keras3_coffee();
  custom["config"]["layers"][1]["registered_name"] = "my_pkg>MyDense";
  EXPECT_NE(load(custom).find("config.layers[1].registered_name: 'my_pkg>MyDense' is a custom registered class"),
            std::string::npos);
  json late_input = keras3_coffee();
  std::swap(late_input["config"]["layers"][0], late_input["config"]["layers"][1]);
  EXPECT_EQ(load(late_input), "m.json: config.layers[1]: an InputLayer must be the first layer");
  json unknown_dim = keras3_coffee();
  unknown_dim["config"]["layers"][0]["config"]["batch_shape"] = {nullptr, nullptr};
  EXPECT_NE(load(unknown_dim).find("config.layers[0].config.batch_shape[1]: initlab needs every dimension"),
            std::string::npos);
}

TEST(KerasModel, CompileConfigErrors) {
  auto load = [](const json& doc) { return error_of([&] { keras_model_from_json(doc, "m.json"); }); };
  json doc = keras3_coffee();
  doc["compile_config"]["optimizer"]["class_name"] = "Lion";
  EXPECT_EQ(load(doc), "m.json: compile_config.optimizer.class_name: unknown optimizer \"Lion\" (initlab has SGD, "
                       "Adam, RMSprop, Adagrad)");
  doc = keras3_coffee();
  doc["compile_config"]["optimizer"]["config"]["clipnorm"] = 1.0;
  EXPECT_EQ(load(doc), "m.json: compile_config.optimizer.config.clipnorm: gradient clipping is not implemented by "
                       "initlab; expected null");
  doc = keras3_coffee();
  doc["compile_config"]["optimizer"]["config"]["learning_rate"] = {{"class_name", "ExponentialDecay"}, {"config", {}}};
  EXPECT_EQ(load(doc), "m.json: compile_config.optimizer.config.learning_rate: learning-rate schedules are not "
                       "implemented; give a number");
  doc = keras3_coffee();
  doc["compile_config"]["loss"]["config"]["label_smoothing"] = 0.1;
  EXPECT_EQ(load(doc), "m.json: compile_config.loss.config.label_smoothing: label smoothing is not implemented; expected 0");
  doc = keras3_coffee();
  doc["compile_config"]["loss"] = "hinge";
  EXPECT_NE(load(doc).find("m.json: compile_config.loss: unknown loss 'hinge'"), std::string::npos) << load(doc);
  doc = keras3_coffee();
  doc["compile_config"]["metrics"] = {"accuracy", "mae"};
  EXPECT_NE(load(doc).find("m.json: compile_config.metrics[1]: unknown metric \"mae\""), std::string::npos);
  doc = keras3_coffee();
  doc["compile_config"].erase("loss");
  EXPECT_EQ(load(doc), "m.json: compile_config.loss: missing field");
  // The Keras-2 spellings: "lr" and "acc".
  doc = keras3_coffee();
  doc["compile_config"]["optimizer"] = {{"class_name", "SGD"}, {"config", {{"lr", 0.5}, {"momentum", 0.9}}}};
  doc["compile_config"]["metrics"] = {"acc"};
  KerasModel k = keras_model_from_json(doc);
  EXPECT_DOUBLE_EQ(k.compile->optimizer->learning_rate(), 0.5);
  EXPECT_EQ(k.compile->metrics, std::vector<std::string>{"accuracy"});
}

TEST(JsonValue, ParseErrorsGiveLineAndColumn) {
  const std::string e = error_of([] { parse_json("{\n  \"a\": 1,\n  \"b\": ]\n}", "bad.json"); });
  EXPECT_EQ(e.rfind("bad.json:3:8: not valid JSON: syntax error", 0), 0u) << e;
}

TEST(JsonValue, PathsThroughObjectsAndArrays) {
  const json j = json::parse(R"({"a": {"b": [1, {"c": "x"}]}})");
  const JsonValue root(j, "f.json");
  EXPECT_EQ(root.at("a").at("b")[1].at("c").text(), "x");
  EXPECT_EQ(root.at("a").at("b")[1].at("c").where(), "f.json: a.b[1].c");
  EXPECT_EQ(error_of([&] { root.at("a").at("b")[0].text(); }), "f.json: a.b[0]: expected a string, found 1");
  EXPECT_EQ(error_of([&] { root.at("a").at("z"); }), "f.json: a.z: missing field");
  EXPECT_EQ(root.at("a").at("b")[0].integer(), 1);
  EXPECT_EQ(root.at("a").integer("missing", 7), 7);
}

}  // namespace
}  // namespace initlab
