// Sequential → Keras 3 config.json: the exact dict for a small model (written
// out by hand from formats.md §1.8 with Keras 3.0's key set), and config →
// model → config fixed points over every layer kind, initializer family and
// optimizer, with the same summary, weight specs and initial weights.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "initlab/core/seed.hpp"
#include "initlab/io/keras_config_writer.hpp"
#include "initlab/io/keras_model.hpp"
#include "initlab/nn/activation_layer.hpp"
#include "initlab/nn/batch_normalization.hpp"
#include "initlab/nn/conv2d.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/dropout.hpp"
#include "initlab/nn/normalization.hpp"
#include "initlab/nn/pooling.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using nlohmann::json;
using testing::error_of;

json env(const char* module, const char* cls, json config) {
  return json{{"module", module}, {"class_name", cls}, {"config", std::move(config)}, {"registered_name", nullptr}};
}

// §1.8's coffee network, as Keras 3.0 writes it: dtype strings, no
// quantization_config, no ragged/optional, no gradient_accumulation_steps.
json expected_coffee() {
  auto dense = [](const char* name, int units, int in) {
    json e = env("keras.layers", "Dense",
                 {{"name", name}, {"trainable", true}, {"dtype", "float32"}, {"units", units}, {"activation", "sigmoid"},
                  {"use_bias", true},
                  {"kernel_initializer", env("keras.initializers", "GlorotUniform", {{"seed", nullptr}})},
                  {"bias_initializer", env("keras.initializers", "Zeros", json::object())},
                  {"kernel_regularizer", nullptr}, {"bias_regularizer", nullptr}, {"kernel_constraint", nullptr},
                  {"bias_constraint", nullptr}});
    e["build_config"] = {{"input_shape", {nullptr, in}}};
    return e;
  };
  json out = env("keras", "Sequential",
                 {{"name", "sequential"}, {"trainable", true}, {"dtype", "float32"},
                  {"layers",
                   {env("keras.layers", "InputLayer",
                        {{"batch_shape", {nullptr, 2}}, {"dtype", "float32"}, {"sparse", false}, {"name", "input_layer"}}),
                    dense("layer1", 3, 2), dense("layer2", 1, 3)}},
                  {"build_input_shape", {nullptr, 2}}});
  out["build_config"] = {{"input_shape", {nullptr, 2}}};
  out["compile_config"] = {
      {"optimizer", env("keras.optimizers", "Adam",
                        {{"name", "adam"}, {"learning_rate", 0.01}, {"weight_decay", nullptr}, {"clipnorm", nullptr},
                         {"global_clipnorm", nullptr}, {"clipvalue", nullptr}, {"use_ema", false}, {"ema_momentum", 0.99},
                         {"ema_overwrite_frequency", nullptr}, {"loss_scale_factor", nullptr}, {"beta_1", 0.9},
                         {"beta_2", 0.999}, {"epsilon", 1e-07}, {"amsgrad", false}})},
      {"loss", "binary_crossentropy"},
      {"loss_weights", nullptr},
      {"metrics", {"accuracy"}},
      {"weighted_metrics", nullptr},
      {"run_eagerly", false},
      {"steps_per_execution", 1},
      {"jit_compile", false}};
  return out;
}

Sequential coffee() {
  Sequential m;
  m.add(Input(Shape{2}));
  m.add(Dense(3, {.activation = "sigmoid", .name = "layer1"}));
  m.add(Dense(1, {.activation = "sigmoid", .name = "layer2"}));
  return m;
}

TEST(KerasConfigWriter, CoffeeNetworkIsTheDictKeras30Writes) {
  Sequential m = coffee();
  m.compile(Adam({.learning_rate = 0.01}), "binary_crossentropy", {"accuracy"});
  const json got = keras3_model_config(m);
  EXPECT_EQ(got, expected_coffee()) << got.dump(1);
  // Shortest round-trip floats: 0.01 and 1e-07, not 0.009999999776482582.
  const std::string text = got.dump();
  EXPECT_NE(text.find("\"learning_rate\":0.01,"), std::string::npos) << text;
  EXPECT_NE(text.find("\"epsilon\":1e-07"), std::string::npos) << text;
}

TEST(KerasConfigWriter, UncompiledModelHasAnEmptyCompileConfigAndExplicitSettingsWin) {
  Sequential m = coffee();
  EXPECT_EQ(keras3_model_config(m).at("compile_config"), json::object());
  const CompileSettings s{SGD({.learning_rate = 0.5, .momentum = 0.25, .nesterov = true}),
                          Loss("categorical_crossentropy", true), {}};
  const json cc = keras3_model_config(m, &s).at("compile_config");
  EXPECT_EQ(cc.at("optimizer").at("class_name"), "SGD");
  EXPECT_EQ(cc.at("optimizer").at("config").at("momentum"), 0.25);
  EXPECT_EQ(cc.at("optimizer").at("config").at("nesterov"), true);
  EXPECT_EQ(cc.at("metrics"), nullptr);
  EXPECT_EQ(cc.at("loss"), env("keras.losses", "CategoricalCrossentropy",
                               {{"name", "categorical_crossentropy"}, {"reduction", "sum_over_batch_size"},
                                {"from_logits", true}, {"label_smoothing", 0.0}, {"axis", -1}}));
}

TEST(KerasConfigWriter, ModelWithoutInputHasNoInputLayerNoBuildConfig) {
  Sequential m("tiny");
  m.add(Dense(4, {.name = "d"}));
  const json got = keras3_model_config(m);
  EXPECT_FALSE(got.contains("build_config"));
  EXPECT_FALSE(got.at("config").contains("build_input_shape"));
  ASSERT_EQ(got.at("config").at("layers").size(), 1u);
  EXPECT_EQ(got.at("config").at("layers")[0].at("class_name"), "Dense");
  EXPECT_FALSE(got.at("config").at("layers")[0].contains("build_config"));
  EXPECT_EQ(got.at("config").at("name"), "tiny");
}

// A model with every layer kind initlab has.
Sequential every_layer_kind() {
  Sequential m("zoo");
  m.add(Input(Shape{9, 9, 2}));
  m.add(Conv2D(3, {3, 2},
               {.strides = {2, 1},
                .padding = "same",
                .activation = "relu",
                .kernel_initializer = Initializer("he_uniform").with_seed(11),
                .bias_initializer = Initializer::from_config({{"class_name", "Constant"}, {"config", {{"value", 0.25}}}}),
                .name = "conv2d_12"}));
  m.add(BatchNormalization({.momentum = 0.9, .epsilon = 1e-5, .name = "bn"}));
  m.add(MaxPooling2D({2, 2}, {.strides = PoolStrides(1, 2), .padding = "valid"}));
  m.add(AveragePooling2D({2, 1}, {.padding = "same", .name = "avg"}));
  m.add(Dropout(0.375));
  m.add(Conv2D(2, {1, 1}, {.use_bias = false}));
  m.add(GlobalAveragePooling2D());
  m.add(Normalization("norm"));
  m.add(ActivationLayer(Activation("tanh")));
  m.add(Dense(5, {.activation = "softmax", .kernel_initializer = Initializer("lecun_normal").with_seed(3), .name = "dense_13"}));
  m.add(Flatten());
  return m;
}

struct WeightSpecLine {
  std::string layer, name, shape, init;
  bool operator==(const WeightSpecLine&) const = default;
};

std::vector<WeightSpecLine> specs_of(const Sequential& m) {
  std::vector<WeightSpecLine> out;
  const auto shapes = m.layer_shapes();
  for (size_t i = 0; i < m.layers().size(); ++i) {
    for (const auto& s : m.layers()[i]->weight_specs(shapes[i])) {
      out.push_back({m.layers()[i]->name(), s.name, s.shape.str(), s.initializer.to_config().dump()});
    }
  }
  return out;
}

// config → model → config is a fixed point; the model read back has the same
// summary, weight specs and (seeded initializers, same global seed) weights.
// A model built already must have been built under set_seed(1234).
void expect_round_trip(Sequential& m, const CompileSettings* settings = nullptr) {
  const json first = keras3_model_config(m, settings);
  KerasModel back = keras_model_from_json(first, "written.json");
  EXPECT_EQ(back.dialect, "Keras 3");
  const json second = keras3_model_config(back.model, back.compile ? &*back.compile : nullptr);
  EXPECT_EQ(first, second) << first.dump(1) << "\n---\n" << second.dump(1);
  if (m.input_shape()) {
    EXPECT_EQ(m.summary(), back.model.summary());
    EXPECT_EQ(specs_of(m), specs_of(back.model));
    set_seed(1234);
    m.build(*m.input_shape());
    const auto a = m.get_weights();
    set_seed(1234);
    back.model.build(*back.model.input_shape());
    const auto b = back.model.get_weights();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].shape(), b[i].shape());
      for (int64_t j = 0; j < a[i].size(); ++j) {
        ASSERT_EQ(a[i][j], b[i][j]) << "weight " << i << " (" << m.variables()[i]->name() << ", "
                                    << back.model.variables()[i]->name() << ") element " << j;
      }
    }
  }
}

TEST(KerasConfigWriter, EveryLayerKindIsAFixedPoint) {
  Sequential m = every_layer_kind();
  set_seed(1234);  // compile builds the model: its weights come from this seed
  m.compile(RMSprop({.learning_rate = 0.002, .rho = 0.8, .momentum = 0.5, .epsilon = 1e-6, .centered = true}),
            "categorical_crossentropy", {"categorical_accuracy"});
  const json c = keras3_model_config(m);
  const json& layers = c.at("config").at("layers");
  ASSERT_EQ(layers.size(), 12u);
  // Values the writer takes from each layer's options, checked by hand.
  EXPECT_EQ(layers[1].at("config").at("kernel_size"), json({3, 2}));
  EXPECT_EQ(layers[1].at("config").at("strides"), json({2, 1}));
  EXPECT_EQ(layers[1].at("config").at("padding"), "same");
  EXPECT_EQ(layers[1].at("config").at("kernel_initializer"), env("keras.initializers", "HeUniform", {{"seed", 11}}));
  EXPECT_EQ(layers[1].at("config").at("bias_initializer"), env("keras.initializers", "Constant", {{"value", 0.25}}));
  EXPECT_EQ(layers[2].at("config").at("momentum"), 0.9);
  EXPECT_EQ(layers[2].at("config").at("epsilon"), 1e-5);
  EXPECT_EQ(layers[2].at("config").at("gamma_initializer"), env("keras.initializers", "Ones", json::object()));
  EXPECT_EQ(layers[3].at("config").at("strides"), json({1, 2}));
  EXPECT_EQ(layers[4].at("config").at("strides"), json({2, 1}));  // pool_size when not given
  EXPECT_EQ(layers[4].at("config").at("padding"), "same");
  EXPECT_EQ(layers[5].at("config").at("rate"), 0.375);
  EXPECT_EQ(layers[6].at("config").at("use_bias"), false);
  EXPECT_EQ(layers[8].at("config").at("axis"), json({-1}));
  EXPECT_EQ(layers[9].at("config").at("activation"), "tanh");
  EXPECT_EQ(layers[10].at("config").at("name"), "dense_13");
  // Build shapes: (9, 9, 2) → conv same stride (2, 1) → (5, 9, 3) → BN → max (2,2)/(1,2) → (4, 4, 3).
  EXPECT_EQ(layers[1].at("build_config").at("input_shape"), json({nullptr, 9, 9, 2}));
  EXPECT_EQ(layers[3].at("build_config").at("input_shape"), json({nullptr, 5, 9, 3}));
  EXPECT_EQ(layers[4].at("build_config").at("input_shape"), json({nullptr, 4, 4, 3}));
  EXPECT_EQ(layers[11].at("build_config").at("input_shape"), json({nullptr, 5}));
  // Keys of later releases that Keras 3.0's constructors would refuse are absent.
  for (const auto& l : layers) {
    for (const char* k : {"quantization_config", "ragged", "optional", "renorm", "lora_rank"}) {
      EXPECT_FALSE(l.at("config").contains(k)) << l.at("class_name") << " has " << k;
    }
    EXPECT_EQ(l.at("config").at("dtype"), "float32");
  }
  EXPECT_FALSE(c.at("compile_config").at("optimizer").at("config").contains("gradient_accumulation_steps"));
  expect_round_trip(m);
}

TEST(KerasConfigWriter, EveryInitializerFamilyWithSeedsIsAFixedPoint) {
  // Families that fill 2-D kernels go into a Dense, the convolution-only ones into a Conv2D.
  std::vector<std::string> dense_ids = {
      "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal", "variance_scaling",
      "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal", "orthogonal",
      "identity", "kaiming_uniform", "kaiming_normal", "xavier_uniform", "xavier_normal", "trunc_normal", "eye",
      "torch_default"};
  dense_ids.push_back(R"({"class_name": "Sparse", "config": {"sparsity": 0.5, "std": 0.02}})");
  const std::vector<std::string> conv_ids = {"dirac", "delta_orthogonal"};
  uint64_t seed = 100;
  for (const auto& id : dense_ids) {
    SCOPED_TRACE(id);
    Initializer init = Initializer::parse(id);
    if (init.to_config().at("config").contains("seed")) init = init.with_seed(seed++);
    Sequential m;
    m.add(Input(Shape{6}));
    m.add(Dense(6, {.kernel_initializer = init, .bias_initializer = Initializer("random_uniform").with_seed(seed++)}));
    expect_round_trip(m);
    const json k = keras3_model_config(m).at("config").at("layers")[1].at("config").at("kernel_initializer");
    EXPECT_EQ(k, init.to_config());
  }
  for (const auto& id : conv_ids) {
    SCOPED_TRACE(id);
    Initializer init(id);
    if (init.to_config().at("config").contains("seed")) init = init.with_seed(seed++);
    Sequential m;
    m.add(Input(Shape{5, 5, 3}));
    m.add(Conv2D(4, {3, 3}, {.kernel_initializer = init}));
    expect_round_trip(m);
  }
  // An unseeded random initializer stays unseeded ("seed": null).
  Sequential m;
  m.add(Input(Shape{3}));
  m.add(Dense(2, {.kernel_initializer = "he_normal"}));
  EXPECT_EQ(keras3_model_config(m).at("config").at("layers")[1].at("config").at("kernel_initializer"),
            env("keras.initializers", "HeNormal", {{"seed", nullptr}}));
  expect_round_trip(m);
}

TEST(KerasConfigWriter, EveryOptimizerAndLossIsAFixedPoint) {
  const std::vector<CompileSettings> settings = {
      {SGD(), Loss("mean_squared_error"), {}},
      {SGD({.learning_rate = 0.125, .momentum = 0.875, .nesterov = true}), Loss("binary_crossentropy", true), {"accuracy"}},
      {Adam({.learning_rate = 3e-4, .beta_1 = 0.8, .beta_2 = 0.95, .epsilon = 1e-8, .amsgrad = true}),
       Loss("sparse_categorical_crossentropy", true), {"sparse_categorical_accuracy"}},
      {RMSprop(), Loss("categorical_crossentropy"), {"categorical_accuracy"}},
      {Adagrad({.learning_rate = 0.05, .initial_accumulator_value = 0.25, .epsilon = 1e-6}), Loss("binary_crossentropy"),
       {"binary_accuracy"}},
  };
  for (const auto& s : settings) {
    SCOPED_TRACE(s.optimizer->name());
    Sequential m = coffee();
    expect_round_trip(m, &s);
    KerasModel back = keras_model_from_json(keras3_model_config(m, &s), "written.json");
    ASSERT_TRUE(back.compile.has_value());
    EXPECT_EQ(back.compile->optimizer->name(), s.optimizer->name());
    EXPECT_EQ(back.compile->optimizer->learning_rate(), s.optimizer->learning_rate());
    EXPECT_EQ(back.compile->loss.kind(), s.loss.kind());
    EXPECT_EQ(back.compile->loss.from_logits(), s.loss.from_logits());
    EXPECT_EQ(back.compile->metrics, s.metrics);
  }
  // The Adam options come back field by field.
  const CompileSettings adam{Adam({.learning_rate = 3e-4, .beta_1 = 0.8, .beta_2 = 0.95, .epsilon = 1e-8, .amsgrad = true}),
                             Loss("mean_squared_error"), {}};
  Sequential m = coffee();
  const auto back = keras_model_from_json(keras3_model_config(m, &adam), "written.json");
  const auto o = std::get<AdamOptions>(back.compile->optimizer->options());
  EXPECT_EQ(o.learning_rate, 3e-4);
  EXPECT_EQ(o.beta_1, 0.8);
  EXPECT_EQ(o.beta_2, 0.95);
  EXPECT_EQ(o.epsilon, 1e-8);
  EXPECT_TRUE(o.amsgrad);
}

TEST(KerasConfigWriter, TheLearningRateIsTheCurrentOne) {
  Sequential m = coffee();
  m.compile(Adam({.learning_rate = 0.01}), "mse");
  m.optimizer()->set_learning_rate(0.0025);
  EXPECT_EQ(keras3_model_config(m).at("compile_config").at("optimizer").at("config").at("learning_rate"), 0.0025);
}

TEST(KerasConfigWriter, WhatKerasCannotNameIsRefusedNamingTheLayer) {
  Sequential m;
  m.add(Input(Shape{3}));
  m.add(Dense(2, {.activation = Activation(Activation::Kind::kLeakyRelu, 0.05), .name = "leaky"}));
  const std::string e = error_of([&] { keras3_model_config(m); });
  EXPECT_NE(e.find("layer 'leaky' (Dense)"), std::string::npos) << e;
  EXPECT_NE(e.find("leaky_relu"), std::string::npos) << e;
  // The default slope is Keras's leaky_relu.
  Sequential ok;
  ok.add(Input(Shape{3}));
  ok.add(Dense(2, {.activation = "leaky_relu"}));
  EXPECT_EQ(keras3_model_config(ok).at("config").at("layers")[1].at("config").at("activation"), "leaky_relu");
  expect_round_trip(ok);
}

}  // namespace
}  // namespace initlab
