// tf-keras HDF5 files: model files and weights-only files written by h5py in
// the layouts of formats.md §2.6–2.7 load and predict what a NumPy forward
// pass computed (make_fixtures.py stores x and y beside each model), weights
// load by position and by name, and initlab's own .h5 files round-trip bit for
// bit and read back in h5py with the layout tf-keras writes.
#include "initlab/io/legacy_h5_model.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "h5_fixtures.hpp"
#include "initlab/initlab.hpp"
#include "initlab/io/model_file.hpp"
#include "initlab/io/npz.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using testing::error_of;
using testing::h5_fixture;
using testing::h5_fixture_path;
using testing::ramp;
using testing::random_tensor;
using testing::ScratchDir;

std::vector<float> values(const Tensor& t) { return std::vector<float>(t.data(), t.data() + t.size()); }

// The model predicts the fixture's y from its x within float32 rounding.
void expect_predicts_fixture_io(Sequential& model, const std::string& fixture) {
  const TensorSet io = decode_npz(read_file(h5_fixture_path(fixture)), fixture);
  const Tensor x = io.find("x")->to_float32();
  const Tensor y = io.find("y")->to_float32();
  const Tensor p = model.predict(x);
  ASSERT_EQ(p.shape(), y.shape()) << fixture;
  for (int64_t i = 0; i < y.size(); ++i) {
    EXPECT_NEAR(p.data()[i], y.data()[i], 1e-5 * (1 + std::fabs(y.data()[i]))) << fixture << " value " << i;
  }
}

TEST(LegacyH5Model, ATfKeras2ModelFileLoadsCompiledAndPredictsAsNumPy) {
  KerasModel k = load_model(h5_fixture_path("legacy_mlp_model.h5"));
  EXPECT_TRUE(k.warnings.empty()) << k.warnings.front();
  ASSERT_TRUE(k.compile.has_value());
  EXPECT_EQ(k.compile->optimizer->name(), "Adam");
  EXPECT_EQ(k.compile->metrics, std::vector<std::string>{"accuracy"});
  ASSERT_EQ(k.model.layers().size(), 4u);
  expect_predicts_fixture_io(k.model, "legacy_mlp_model.io.npz");
  // The optimizer state of a legacy file is listed but not restored.
  const TensorSet all = read_weight_tensors(h5_fixture_path("legacy_mlp_model.h5"));
  EXPECT_NE(all.find("optimizer_weights/Adam/iter:0"), nullptr);
  EXPECT_NE(all.find("batch_normalization/batch_normalization/moving_variance:0"), nullptr);
  EXPECT_EQ(k.model.optimizer()->iterations(), 0);
}

// Training settings initlab does not implement do not stop the model from loading (Keras's
// load_model(compile=False) is what a predicting user wants): uncompiled, with a warning.
TEST(LegacyH5Model, AnUnsupportedTrainingConfigLoadsUncompiledWithAWarning) {
  KerasModel k = load_model(h5_fixture_path("legacy_clipnorm_model.h5"));
  EXPECT_FALSE(k.compile.has_value());
  EXPECT_FALSE(k.model.compiled());
  ASSERT_EQ(k.warnings.size(), 1u);
  EXPECT_NE(k.warnings[0].find("loaded uncompiled: "), std::string::npos) << k.warnings[0];
  EXPECT_NE(k.warnings[0].find("gradient clipping"), std::string::npos) << k.warnings[0];
  EXPECT_NE(k.warnings[0].find("training_config"), std::string::npos) << k.warnings[0];
  expect_predicts_fixture_io(k.model, "legacy_mlp_model.io.npz");
}

TEST(LegacyH5Model, AKeras3LegacyCnnFileWithModelPathWeightNamesPredictsAsNumPy) {
  KerasModel k = load_model(h5_fixture_path("legacy_cnn_model.h5"));
  EXPECT_FALSE(k.compile.has_value());
  EXPECT_EQ(k.model.name(), "cnn");
  expect_predicts_fixture_io(k.model, "legacy_cnn_model.io.npz");
}

TEST(LegacyH5Model, WeightsOnlyFilesLoadByPositionAndByName) {
  // layer_names at the root, |S37 strings, bare weight names, an empty Dropout group.
  auto build = [](const std::string& a, const std::string& b, const std::string& c) {
    Sequential m("m");
    m.add(Input(Shape{2}));
    m.add(Dense(3, {.name = a}));
    m.add(Dropout(0.5, b));
    m.add(Dense(1, {.use_bias = false, .name = c}));
    m.build(Shape{2});
    return m;
  };
  Sequential by_position = build("x", "y", "z");
  const RestoreReport r = load_weights(by_position, h5_fixture_path("legacy_h5py2_weights.h5"));
  EXPECT_TRUE(r.skipped.empty()) << r.str();
  EXPECT_EQ(values(by_position.layers()[0]->variables()[0]->value()), ramp(6, 0.0, 1.0));
  EXPECT_EQ(values(by_position.layers()[0]->variables()[1]->value()), ramp(3, 0.5, 0.0));
  EXPECT_EQ(values(by_position.layers()[2]->variables()[0]->value()), ramp(3, 2.0, -0.5));

  Sequential named = build("dense_12", "dropout_3", "dense_13");
  load_weights(named, h5_fixture_path("legacy_h5py2_weights.h5"), {.by_name = true});
  EXPECT_EQ(values(named.layers()[2]->variables()[0]->value()), ramp(3, 2.0, -0.5));
  // By name, other names are a strict refusal that names both sides.
  Sequential other = build("x", "y", "z");
  const std::string msg = error_of([&] { load_weights(other, h5_fixture_path("legacy_h5py2_weights.h5"), {.by_name = true}); });
  EXPECT_NE(msg.find("file layer 'dense_12'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nothing was changed"), std::string::npos) << msg;

  const std::string no_model = error_of([] { load_model(h5_fixture_path("legacy_h5py2_weights.h5")); });
  EXPECT_NE(no_model.find("no model_config attribute: the file holds weights only"), std::string::npos) << no_model;
}

TEST(LegacyH5Model, Keras311SubgroupNamesAndBatchNormalizationOrder) {
  Sequential m("m");
  m.add(Input(Shape{4}));
  m.add(Dense(2));
  m.add(BatchNormalization());
  m.build(Shape{4});
  load_weights(m, h5_fixture_path("legacy_k311.h5"));
  const auto& bn = m.layers()[1]->variables();
  EXPECT_EQ(values(m.layers()[0]->variables()[0]->value()), ramp(8, 0.0, 0.125));
  EXPECT_EQ(values(bn[0]->value()), ramp(2, 1.0, 0.0));    // gamma
  EXPECT_EQ(values(bn[2]->value()), ramp(2, 0.25, 0.25));  // moving_mean
  EXPECT_EQ(values(bn[3]->value()), ramp(2, 1.0, 1.0));    // moving_variance
}

TEST(LegacyH5Model, ChunkedNameListsAreJoined) {
  const TensorSet t = read_legacy_tensors(h5_fixture("legacy_chunked.h5"));
  ASSERT_EQ(t.size(), 5u);
  EXPECT_EQ(t.tensors()[0].name, "d0/d0/kernel:0");
  EXPECT_EQ(t.tensors()[4].name, "d4/d4/kernel:0");
  EXPECT_EQ(values(t.tensors()[3].to_float32()), std::vector<float>{3.0f});
}

TEST(LegacyH5Model, AWrongArchitectureIsRefusedWithEveryProblem) {
  Sequential m("m");
  m.add(Input(Shape{4}));
  m.add(Dense(6));
  m.add(Dense(3));
  m.build(Shape{4});
  const std::vector<float> before = values(m.layers()[0]->variables()[0]->value());
  const std::string msg = error_of([&] { load_weights(m, h5_fixture_path("legacy_mlp_model.h5")); });
  EXPECT_NE(msg.find("kernel: shape (4, 6) expected, file has (4, 5)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("problems restoring model 'm'"), std::string::npos) << msg;
  EXPECT_EQ(values(m.layers()[0]->variables()[0]->value()), before);
}

// Input (5, 5, 1) → Conv2D(2, 3×3, same, relu) → BatchNormalization → MaxPooling2D → Flatten → Dense(3, softmax).
Sequential cnn(uint64_t seed) {
  set_seed(seed);
  Sequential m("net");
  m.add(Input(Shape{5, 5, 1}));
  m.add(Conv2D(2, {3, 3}, {.padding = "same", .activation = "relu"}));
  m.add(BatchNormalization());
  m.add(MaxPooling2D());
  m.add(Flatten());
  m.add(Dense(3, {.activation = "softmax"}));
  m.build(Shape{5, 5, 1});
  return m;
}

Sequential trained_cnn() {
  Sequential m = cnn(31);
  m.compile(Adam({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});
  Tensor x = random_tensor(Shape{8, 5, 5, 1}, 5), y(Shape{8, 3});
  for (int64_t r = 0; r < 8; ++r) y.at({r, r % 3}) = 1;
  m.fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = Verbosity::kSilent, .shuffle = false});
  return m;
}

TEST(LegacyH5Model, InitlabsModelAndWeightsFilesRoundTripBitForBit) {
  ScratchDir dir("initlab_legacy_h5");
  Sequential a = trained_cnn();
  save_model(a, dir.file("m.h5"));
  save_weights(a, dir.file("w.h5"));
  const Tensor x = random_tensor(Shape{4, 5, 5, 1}, 9);
  const Tensor expected = a.predict(x);

  KerasModel k = load_model(dir.file("m.h5"));
  EXPECT_TRUE(k.warnings.empty()) << k.warnings.front();
  ASSERT_TRUE(k.compile.has_value());
  EXPECT_EQ(k.compile->loss.name(), "categorical_crossentropy");
  EXPECT_EQ(values(k.model.predict(x)), values(expected));

  Sequential b = cnn(99);
  load_weights(b, dir.file("w.h5"));
  EXPECT_EQ(values(b.predict(x)), values(expected));

  // The layout tf-keras writes: layer_names in model order, weight names with ":0".
  const H5File f = H5File::open(dir.file("m.h5"));
  EXPECT_EQ(*f.root().group("model_weights").string_list_attribute("layer_names"),
            (std::vector<std::string>{"conv2d", "batch_normalization", "max_pooling2d", "flatten", "dense"}));
  EXPECT_EQ(*f.root().group("model_weights/batch_normalization").string_list_attribute("weight_names"),
            (std::vector<std::string>{"batch_normalization/gamma:0", "batch_normalization/beta:0",
                                      "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0"}));
  EXPECT_TRUE(f.root().has_dataset("model_weights/conv2d/conv2d/kernel:0"));
  const std::string config = *f.root().string_attribute("model_config");
  EXPECT_NE(config.find("\"batch_input_shape\":[null,5,5,1]"), std::string::npos) << config;
  EXPECT_EQ(*f.root().string_attribute("keras_version"), "3.0.0");
  EXPECT_FALSE(H5File::open(dir.file("w.h5")).root().has_group("model_weights"));
}

}  // namespace
}  // namespace initlab
