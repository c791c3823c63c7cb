// Strict, transactional restore and the names other programs give layers.
#include "initlab/io/weight_restore.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "initlab/initlab.hpp"
#include "initlab/io/keras_optimizer_state.hpp"
#include "initlab/io/weight_naming.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using initlab::testing::error_of;
using initlab::testing::random_tensor;

// Input (5,) → a: Dense(4) → b: Dense(3, relu) → c: Dense(2).
Sequential three_dense() {
  Sequential m("m");
  m.add(Input(Shape{5}));
  m.add(Dense(4, {.name = "a"}));
  m.add(Dense(3, {.activation = "relu", .name = "b"}));
  m.add(Dense(2, {.name = "c"}));
  m.build(Shape{5});
  return m;
}

StoredTensor stored(const std::string& name, const Shape& s, uint64_t seed) {
  return StoredTensor::from_tensor(name, random_tensor(s, seed));
}

FileLayer dense_layer(const std::string& name, int64_t in, int64_t out, uint64_t seed) {
  return {name, "dense", {stored("kernel", Shape{in, out}, seed), stored("bias", Shape{out}, seed + 100)}};
}

// Every weight's bytes, to prove a failed restore changed nothing.
std::string weight_bytes(Sequential& m) {
  std::string s;
  for (const Variable* v : m.variables()) {
    s.append(reinterpret_cast<const char*>(v->value().data()), static_cast<size_t>(v->value().size()) * 4);
  }
  return s;
}

bool same_bits(const Tensor& a, const StoredTensor& b) {
  return b.dtype == DType::kF32 && a.shape() == b.shape &&
         std::memcmp(a.data(), b.bytes.data(), b.bytes.size()) == 0;
}

TEST(WeightNaming, KerasSnakeCaseAsKerasWritesIt) {
  EXPECT_EQ(keras_snake_case("Dense"), "dense");
  EXPECT_EQ(keras_snake_case("ReLU"), "re_lu");
  EXPECT_EQ(keras_snake_case("Conv2D"), "conv2d");
  EXPECT_EQ(keras_snake_case("MaxPooling2D"), "max_pooling2d");
  EXPECT_EQ(keras_snake_case("BatchNormalization"), "batch_normalization");
  EXPECT_EQ(keras_snake_case("GlobalAveragePooling2D"), "global_average_pooling2d");
  EXPECT_EQ(keras_snake_case("Conv2DTranspose"), "conv2d_transpose");
  EXPECT_EQ(keras_snake_case("InputLayer"), "input_layer");
}

TEST(WeightNaming, Keras3PathsCountPerClassAndPyTorchIndicesCountActivations) {
  Sequential m;
  m.add(Input(Shape{8, 8, 1}));
  m.add(Conv2D(2, {3, 3}, {.activation = "relu", .name = "conv2d_12"}));
  m.add(MaxPooling2D());
  m.add(Flatten());
  m.add(Dense(4, {.activation = "relu", .name = "dense_13"}));
  m.add(Dropout(0.5));
  m.add(Dense(2, {.name = "out"}));
  EXPECT_EQ(keras3_layer_paths(m), (std::vector<std::string>{"layers/conv2d", "layers/max_pooling2d",
                                                             "layers/flatten", "layers/dense", "layers/dropout",
                                                             "layers/dense_1"}));
  // Conv2d, ReLU, MaxPool2d, Flatten, Linear, ReLU, Dropout, Linear.
  EXPECT_EQ(pytorch_module_indices(m), (std::vector<int64_t>{0, 2, 3, 4, 6, 7}));
}

TEST(WeightRestore, StrictListsEveryMismatchInOneErrorAndChangesNothing) {
  Sequential m = three_dense();
  const std::string before = weight_bytes(m);
  FileWeights file;
  file.match = LayerMatch::kName;
  file.layers.push_back(dense_layer("a", 6, 4, 1));  // kernel (6, 4): the model's is (5, 4)
  FileLayer c = dense_layer("c", 3, 2, 2);
  c.tensors.push_back(stored("extra", Shape{2}, 3));  // one tensor too many
  file.layers.push_back(c);
  file.layers.push_back(dense_layer("x", 2, 2, 4));  // no such layer; "b" is missing
  FileLayer ints = dense_layer("b2", 4, 3, 5);
  file.layers.push_back(ints);
  const std::string msg = error_of([&] { restore_weights(m, file, {}, "w.safetensors"); });
  EXPECT_NE(msg.find("w.safetensors: 5 problems restoring model 'm' (nothing was changed)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("layer 'a' (Dense): kernel: shape (5, 4) expected, file has (6, 4)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("layer 'c' (Dense): unexpected tensor 'extra' (2,) in the file"), std::string::npos) << msg;
  EXPECT_NE(msg.find("file layer 'x': no layer 'x' in the model (2 tensors: 'kernel' (2, 2), 'bias' (2,))"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("file layer 'b2': no layer 'b2' in the model"), std::string::npos) << msg;
  EXPECT_NE(msg.find("layer 'b' (Dense): missing from the file (kernel (4, 3), bias (3,))"), std::string::npos) << msg;
  EXPECT_EQ(weight_bytes(m), before);
}

TEST(WeightRestore, RenameMapsAFileLayerToItsNewName) {
  Sequential m = three_dense();
  FileWeights file;
  file.match = LayerMatch::kName;
  file.layers = {dense_layer("a", 5, 4, 1), dense_layer("hidden", 4, 3, 2), dense_layer("c", 3, 2, 3)};
  EXPECT_NE(error_of([&] { restore_weights(m, file, {}, "f"); }).find("no layer 'hidden' in the model"),
            std::string::npos);
  RestoreOptions o;
  o.rename = {{"hidden", "b"}};
  const RestoreReport r = restore_weights(m, file, o, "f");
  EXPECT_EQ(r.loaded.size(), 3u);
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_TRUE(same_bits(m.layer<Dense>("b").kernel().value(), file.layers[1].tensors[0]));
  o.rename = {{"hiden", "b"}};
  EXPECT_NE(error_of([&] { restore_weights(m, file, o, "f"); }).find("rename 'hiden' → 'b': no layer 'hiden' in the file"),
            std::string::npos);
}

TEST(WeightRestore, PartialLoadsWholeLayersThatMatchAndReportsExactlyTheRest) {
  Sequential m = three_dense();
  const Tensor b_kernel = m.layer<Dense>("b").kernel().value().clone();
  FileWeights file;
  file.match = LayerMatch::kName;
  file.layers = {dense_layer("a", 5, 4, 1), dense_layer("b", 4, 7, 2), dense_layer("c", 3, 2, 3)};
  file.layers[1].tensors[1] = stored("bias", Shape{3}, 9);  // b's bias fits, its kernel does not
  RestoreOptions o;
  o.strict = false;
  const RestoreReport r = restore_weights(m, file, o, "f");
  ASSERT_EQ(r.loaded.size(), 2u);
  ASSERT_EQ(r.skipped.size(), 1u);
  EXPECT_EQ(r.skipped[0], "layer 'b' (Dense): kernel: shape (4, 3) expected, file has (4, 7)");
  EXPECT_TRUE(same_bits(m.layer<Dense>("a").kernel().value(), file.layers[0].tensors[0]));
  EXPECT_TRUE(same_bits(m.layer<Dense>("c").bias()->value(), file.layers[2].tensors[1]));
  // Layer b keeps its kernel and its bias: a layer loads whole or not at all.
  EXPECT_EQ(std::memcmp(m.layer<Dense>("b").kernel().value().data(), b_kernel.data(), 12 * 4), 0);
  EXPECT_FALSE(same_bits(m.layer<Dense>("b").bias()->value(), file.layers[1].tensors[1]));
  EXPECT_NE(r.str().find("skipped 1:"), std::string::npos);
}

TEST(WeightRestore, PositionSkipsWeightlessLayersAndChecksTheFilesClass) {
  Sequential m = three_dense();
  std::vector<FileLayer> layers = {{"flatten", "flatten", {}}, dense_layer("dense_7", 5, 4, 1),
                                   dense_layer("dense_8", 4, 3, 2), dense_layer("dense_9", 3, 2, 3)};
  restore_layers(m, layers, {}, "legacy.h5");
  EXPECT_TRUE(same_bits(m.layer<Dense>("c").kernel().value(), layers[3].tensors[0]));
  layers[2].keras_class = "conv2d";
  EXPECT_NE(error_of([&] { restore_layers(m, layers, {}, "legacy.h5"); })
                .find("file layer 'dense_8': a conv2d in the file, matched by position with layer 'b' (Dense)"),
            std::string::npos);
  layers.pop_back();
  EXPECT_NE(error_of([&] { restore_layers(m, layers, {}, "legacy.h5"); }).find("layer 'c' (Dense): missing from the file"),
            std::string::npos);
}

TEST(WeightRestore, KerasPathsMatchByClassAndPositionNotByName) {
  Sequential m = three_dense();
  FileWeights file;
  file.match = LayerMatch::kKerasPath;
  // HDF5 lists groups as text: dense, dense_1, dense_2; the config names do not matter.
  file.layers = {dense_layer("dense_2", 3, 2, 3), dense_layer("dense", 5, 4, 1), dense_layer("dense_1", 4, 3, 2),
                 {"dropout", "dropout", {}}};
  file.layers[0].saved_name = "c";
  restore_weights(m, file, {}, "model.weights.h5");
  EXPECT_TRUE(same_bits(m.layer<Dense>("b").kernel().value(), file.layers[2].tensors[0]));
  EXPECT_TRUE(same_bits(m.layer<Dense>("c").kernel().value(), file.layers[0].tensors[0]));
  // By name: the vars group's name attribute, where present.
  RestoreOptions o;
  o.by_name = true;
  const std::string msg = error_of([&] { restore_weights(m, file, o, "model.weights.h5"); });
  EXPECT_NE(msg.find("file layer 'dense': no layer 'dense' in the model"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("file layer 'dense_2'"), std::string::npos) << msg;
}

TEST(WeightRestore, IntegerTensorsAreRefusedFloat64IsConverted) {
  Sequential m = three_dense();
  std::vector<FileLayer> layers = {dense_layer("a", 5, 4, 1), dense_layer("b", 4, 3, 2), dense_layer("c", 3, 2, 3)};
  StoredTensor f64{"bias", DType::kF64, Shape{2}, std::string(16, '\0')};
  const double values[2] = {0.1, -2.5};
  std::memcpy(f64.bytes.data(), values, 16);
  layers[2].tensors[1] = f64;
  restore_layers(m, layers, {}, "f");
  EXPECT_EQ(m.layer<Dense>("c").bias()->value()[0], 0.1f);
  EXPECT_EQ(m.layer<Dense>("c").bias()->value()[1], -2.5f);
  layers[0].tensors[1] = StoredTensor{"bias", DType::kI32, Shape{4}, std::string(16, '\0')};
  EXPECT_NE(error_of([&] { restore_layers(m, layers, {}, "f"); })
                .find("layer 'a' (Dense): bias: a float tensor expected, file has int32"),
            std::string::npos);
}

TEST(WeightRestore, UnbuiltModelWithoutInputShapeSaysSo) {
  Sequential m("m");
  m.add(Dense(2));
  EXPECT_NE(error_of([&] { restore_layers(m, {}, {}, "f"); }).find("does not know its input shape"), std::string::npos);
}

// Two steps of Adam, saved in Keras's layout and restored into a fresh model:
// the third step then gives bit-identical weights.
TEST(WeightRestore, AdamStateRoundTripsThroughKerasLayoutAndContinuesIdentically) {
  const Tensor x = random_tensor(Shape{8, 5}, 11), y = random_tensor(Shape{8, 2}, 12);
  Sequential a = three_dense();
  a.compile(Adam({.learning_rate = 0.01}), "mse");
  a.fit(x, y, {.batch_size = 4, .epochs = 1, .verbose = Verbosity::kSilent, .shuffle = false});
  const auto state = keras_optimizer_state(a);
  ASSERT_TRUE(state.has_value());
  // iteration, learning rate, m and v interleaved for 6 variables.
  ASSERT_EQ(state->variables.size(), 2u + 12u);
  EXPECT_EQ(state->variables[0].as_int64(), 2);
  EXPECT_EQ(state->variables[3].shape, Shape({5, 4}));  // v of a/kernel
  EXPECT_EQ(state->variables[4].shape, Shape({4}));     // m of a/bias

  Sequential b = three_dense();
  b.compile(Adam({.learning_rate = 0.01}), "mse");
  FileWeights file;
  file.match = LayerMatch::kName;
  for (const auto& l : a.layers()) {
    FileLayer f{l->name(), "dense", {}};
    for (const Variable* v : l->variables()) f.tensors.push_back(StoredTensor::from_tensor(v->name(), v->value()));
    file.layers.push_back(f);
  }
  file.optimizer = *state;
  const RestoreReport r = restore_weights(b, file, {}, "f");
  EXPECT_EQ(r.loaded.back(), "optimizer Adam: 2 iterations, learning rate 0.01, 12 slot tensors");
  a.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = Verbosity::kSilent, .shuffle = false});
  b.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = Verbosity::kSilent, .shuffle = false});
  EXPECT_EQ(weight_bytes(a), weight_bytes(b));

  // A model compiled with another optimizer keeps its own, and the report says why.
  Sequential c = three_dense();
  c.compile(SGD(), "mse");
  const RestoreReport rc = restore_weights(c, file, {}, "f");
  ASSERT_EQ(rc.skipped.size(), 1u);
  EXPECT_EQ(rc.skipped[0], "optimizer: the file's optimizer is 'adam', the model is compiled with SGD");
  // A count that does not fit is reported too.
  file.optimizer->name = "";
  file.optimizer->variables.resize(11);
  Sequential d = three_dense();
  d.compile(Adam(), "mse");
  const RestoreReport rd = restore_weights(d, file, {}, "f");
  ASSERT_EQ(rd.skipped.size(), 1u);
  EXPECT_NE(rd.skipped[0].find("the file has 11 optimizer variables, Adam keeps 14"), std::string::npos) << rd.skipped[0];
  EXPECT_EQ(d.optimizer()->iterations(), 0);
}

}  // namespace
}  // namespace initlab
