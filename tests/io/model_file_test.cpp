// The front door: every format round-trips bit-identically, converts into the
// others, is chosen by name and confirmed by bytes, and loads strictly.
#include "initlab/io/model_file.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "initlab/core/atomic_file.hpp"
#include "initlab/initlab.hpp"
#include "initlab/io/keras_archive.hpp"
#include "initlab/io/keras_config_writer.hpp"
#include "initlab/io/npz.hpp"
#include "initlab/io/pytorch_layout.hpp"
#include "initlab/io/zip_archive.hpp"
#include "io/container_fixtures.hpp"
#include "initlab/io/safetensors.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

namespace fs = std::filesystem;
using initlab::testing::error_of;
using initlab::testing::random_tensor;

class ModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("initlab_model_file_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

// Input (6,) → Dense(5, relu) → BatchNormalization → Dense(3, softmax); seeded by `seed`.
Sequential mlp(uint64_t seed) {
  set_seed(seed);
  Sequential m("mlp");
  m.add(Input(Shape{6}));
  m.add(Dense(5, {.activation = "relu"}));
  m.add(BatchNormalization());
  m.add(Dense(3, {.activation = "softmax"}));
  m.build(Shape{6});
  return m;
}

// Input (6, 6, 2) → Conv2D(3, 3x3, relu) → BatchNormalization → MaxPooling2D → Flatten → Dense(4, relu) → Dense(2).
Sequential cnn(uint64_t seed) {
  set_seed(seed);
  Sequential m("cnn");
  m.add(Input(Shape{6, 6, 2}));
  m.add(Conv2D(3, {3, 3}, {.activation = "relu"}));
  m.add(BatchNormalization());
  m.add(MaxPooling2D());
  m.add(Flatten());
  m.add(Dense(4, {.activation = "relu"}));
  m.add(Dense(2));
  m.build(Shape{6, 6, 2});
  return m;
}

std::string weight_bytes(Sequential& m) {
  std::string s;
  for (const Variable* v : m.variables()) {
    s.append(reinterpret_cast<const char*>(v->value().data()), static_cast<size_t>(v->value().size()) * 4);
  }
  return s;
}

std::string tensor_bytes(const Tensor& t) {
  return std::string(reinterpret_cast<const char*>(t.data()), static_cast<size_t>(t.size()) * 4);
}

// Trains two steps of Adam so that the weights and the optimizer's state are not their initial values.
void train_a_little(Sequential& m) {
  m.compile(Adam({.learning_rate = 0.05}), "categorical_crossentropy");
  Tensor x = random_tensor(Shape{8, 6}, 21), y(Shape{8, 3});
  for (int64_t r = 0; r < 8; ++r) y.at({r, r % 3}) = 1;
  m.fit(x, y, {.batch_size = 4, .epochs = 1, .verbose = Verbosity::kSilent, .shuffle = false});
}

TEST_F(ModelFileTest, EveryWeightFormatRoundTripsBitIdenticallyWithTheOptimizer) {
  const Tensor x = random_tensor(Shape{4, 6}, 3);
  for (const char* name : {"w.weights.h5", "w.safetensors", "w.npz"}) {
    Sequential a = mlp(1);
    train_a_little(a);
    save_weights(a, path(name));
    Sequential b = mlp(2);
    b.compile(Adam({.learning_rate = 0.05}), "categorical_crossentropy");
    ASSERT_NE(weight_bytes(a), weight_bytes(b));
    const RestoreReport r = load_weights(b, path(name));
    EXPECT_TRUE(r.skipped.empty()) << name << ": " << r.str();
    EXPECT_EQ(weight_bytes(a), weight_bytes(b)) << name;
    EXPECT_EQ(tensor_bytes(a.predict(x)), tensor_bytes(b.predict(x))) << name;
    EXPECT_EQ(b.optimizer()->iterations(), 2) << name;
    ASSERT_EQ(a.optimizer()->slot_state().size(), b.optimizer()->slot_state().size());
    for (size_t i = 0; i < a.optimizer()->slot_state().size(); ++i) {
      EXPECT_EQ(a.optimizer()->slot_state()[i].values, b.optimizer()->slot_state()[i].values) << name << " slot " << i;
    }
  }
}

// A model that knows its input shape but is not built yet (as Keras's after
// model_from_json) loads every format: it is built before the file's tensors
// are put in its variables' order.
TEST_F(ModelFileTest, AnUnbuiltModelLoadsEveryFormat) {
  Sequential a = mlp(1);
  train_a_little(a);
  const Tensor x = random_tensor(Shape{4, 6}, 3);
  for (const char* name : {"u.weights.h5", "u.h5", "u.safetensors", "u.npz", "u.keras"}) {
    if (std::string(name) == "u.keras") save_model(a, path(name)); else save_weights(a, path(name));
    Sequential b("mlp");
    b.add(Input(Shape{6}));
    b.add(Dense(5, {.activation = "relu"}));
    b.add(BatchNormalization());
    b.add(Dense(3, {.activation = "softmax"}));
    ASSERT_FALSE(b.built());
    const RestoreReport r = load_weights(b, path(name));
    EXPECT_EQ(weight_bytes(a), weight_bytes(b)) << name << ": " << r.str();
    EXPECT_EQ(tensor_bytes(a.predict(x)), tensor_bytes(b.predict(x))) << name;
  }
}

TEST_F(ModelFileTest, FormatsConvertIntoEachOtherWithoutChangingABit) {
  Sequential a = cnn(4);
  save_weights(a, path("a.weights.h5"));
  Sequential b = cnn(5);
  load_weights(b, path("a.weights.h5"));
  save_weights(b, path("b.safetensors"), {.naming = WeightNaming::kPyTorch});
  Sequential c = cnn(6);
  load_weights(c, path("b.safetensors"));
  save_weights(c, path("c.safetensors"));
  save_weights(c, path("c.npz"), {.naming = WeightNaming::kPyTorch});
  Sequential c2 = cnn(9);
  load_weights(c2, path("c.npz"));
  save_model(c2, path("c2.keras"));
  Sequential c3 = cnn(10);
  load_weights(c3, path("c2.keras"));
  save_weights(c3, path("c3.safetensors"));
  Sequential d = cnn(7);
  load_weights(d, path("c3.safetensors"));
  EXPECT_EQ(weight_bytes(a), weight_bytes(d));
  const Tensor x = random_tensor(Shape{3, 6, 6, 2}, 8);
  EXPECT_EQ(tensor_bytes(a.predict(x)), tensor_bytes(d.predict(x)));
}

TEST_F(ModelFileTest, Keras3LayoutNamesGroupsByClassAndPosition) {
  Sequential a = mlp(1);
  save_weights(a, path("m.weights.h5"));
  const TensorSet t = read_weight_tensors(path("m.weights.h5"));
  std::vector<std::string> names;
  for (const auto& s : t.tensors()) names.push_back(s.name + " " + s.shape.str());
  EXPECT_EQ(names, (std::vector<std::string>{"layers/batch_normalization/vars/0 (5,)",
                                             "layers/batch_normalization/vars/1 (5,)",
                                             "layers/batch_normalization/vars/2 (5,)",
                                             "layers/batch_normalization/vars/3 (5,)", "layers/dense/vars/0 (6, 5)",
                                             "layers/dense/vars/1 (5,)", "layers/dense_1/vars/0 (5, 3)",
                                             "layers/dense_1/vars/1 (3,)"}));
  // Keras's path, not the layer's name, decides: a model whose layers are named otherwise loads it.
  Sequential b("other");
  b.add(Input(Shape{6}));
  b.add(Dense(5, {.activation = "relu", .name = "hidden"}));
  b.add(BatchNormalization({.name = "bn"}));
  b.add(Dense(3, {.activation = "softmax", .name = "out"}));
  load_weights(b, path("m.weights.h5"));
  EXPECT_EQ(weight_bytes(a), weight_bytes(b));
}

// PyTorch's layouts, element by element: Conv2d W[o, i, h, w] = K[h, w, i, o];
// Linear W[o, i] = kernel[i, o], with the rows of the Dense after Flatten
// taken in (C, H, W) order: kernel[(h·W + w)·C + c, o] = W[o, (c·H + h)·W + w].
TEST_F(ModelFileTest, PyTorchNamesAndLayouts) {
  Sequential m = cnn(9);
  const TensorSet sd = pytorch_state_dict(m);
  std::vector<std::string> names;
  for (const auto& s : sd.tensors()) names.push_back(s.name + " " + s.shape.str());
  // Conv2d 0, ReLU 1, BatchNorm2d 2, MaxPool2d 3, Flatten 4, Linear 5, ReLU 6, Linear 7.
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight (3, 2, 3, 3)", "0.bias (3,)", "2.weight (3,)", "2.bias (3,)",
                                             "2.running_mean (3,)", "2.running_var (3,)", "2.num_batches_tracked ()",
                                             "5.weight (4, 12)", "5.bias (4,)", "7.weight (2, 4)", "7.bias (2,)"}));
  const Tensor conv = sd.find("0.weight")->to_float32();
  const Tensor& k = m.layers()[0]->variables()[0]->value();
  EXPECT_EQ(conv.at({2, 1, 0, 2}), k.at({0, 2, 1, 2}));
  EXPECT_EQ(conv.at({1, 0, 2, 1}), k.at({2, 1, 0, 1}));
  // The pooled map is (2, 2, 3): H = W = 2, C = 3.
  const Tensor lin = sd.find("5.weight")->to_float32();
  const Tensor& k5 = m.layers()[4]->variables()[0]->value();
  for (int64_t h = 0; h < 2; ++h)
    for (int64_t w = 0; w < 2; ++w)
      for (int64_t c = 0; c < 3; ++c)
        for (int64_t o = 0; o < 4; ++o) {
          ASSERT_EQ(k5.at({(h * 2 + w) * 3 + c, o}), lin.at({o, (c * 2 + h) * 2 + w}));
        }
  const Tensor lin7 = sd.find("7.weight")->to_float32();
  EXPECT_EQ(lin7.at({1, 3}), m.layers()[5]->variables()[0]->value().at({3, 1}));
  EXPECT_EQ(sd.find("2.num_batches_tracked")->dtype, DType::kI64);
}

TEST_F(ModelFileTest, ANameThatLiesIsRefusedWithBothFormats) {
  Sequential a = mlp(1);
  save_weights(a, path("w.safetensors"));
  fs::copy_file(path("w.safetensors"), path("w.weights.h5"));
  const std::string msg = error_of([&] { load_weights(a, path("w.weights.h5")); });
  EXPECT_NE(msg.find("the name says Keras 3 weights (.weights.h5), the bytes are a safetensors file"), std::string::npos)
      << msg;
  // Without a telling name the bytes decide.
  fs::copy_file(path("w.safetensors"), path("weights.bin"));
  Sequential b = mlp(2);
  load_weights(b, path("weights.bin"));
  EXPECT_EQ(weight_bytes(a), weight_bytes(b));
  EXPECT_NE(error_of([&] { save_weights(a, path("w.bin")); }).find("the name does not say the format"),
            std::string::npos);
}

TEST_F(ModelFileTest, AFailedLoadLeavesEveryWeightBitIdentical) {
  Sequential a = mlp(1);
  save_weights(a, path("w.weights.h5"));
  set_seed(3);
  Sequential b("b");
  b.add(Input(Shape{6}));
  b.add(Dense(7, {.activation = "relu"}));  // (6, 7): the file has (6, 5)
  b.add(BatchNormalization());
  b.add(Dense(3));
  b.build(Shape{6});
  const std::string before = weight_bytes(b);
  const std::string msg = error_of([&] { load_weights(b, path("w.weights.h5")); });
  EXPECT_NE(msg.find("layer 'dense' (Dense): kernel: shape (6, 7) expected, file has (6, 5)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("layer 'dense' (Dense): bias: shape (7,) expected, file has (5,)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("layer 'batch_normalization' (BatchNormalization): gamma: shape (7,) expected"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("layer 'dense_1' (Dense): kernel: shape (7, 3) expected, file has (5, 3)"), std::string::npos) << msg;
  EXPECT_EQ(weight_bytes(b), before);
  // Partial: what fits (dense_1's bias alone does not make a layer) is loaded, the rest reported.
  RestoreOptions partial;
  partial.strict = false;
  EXPECT_NE(error_of([&] { load_weights(b, path("w.weights.h5"), partial); }).find("nothing in the file matches"),
            std::string::npos);
}

TEST_F(ModelFileTest, PyTorchNamedFilesFromElsewhereLoadByModulePosition) {
  Sequential a = mlp(1);
  // A PyTorch model whose modules are named otherwise (fc1, bn, fc2) and whose
  // ReLU is functional: matched by position, in index order.
  TensorSet sd = pytorch_state_dict(a);
  TensorSet renamed;
  for (auto t : sd.tensors()) {
    const std::string key = t.name.substr(0, t.name.find('.'));
    const std::string rest = t.name.substr(t.name.find('.'));
    t.name = (key == "0" ? "fc1" : key == "2" ? "fc2.bn" : "fc3") + rest;
    renamed.add(t);
  }
  save_safetensors(path("torch.safetensors"), renamed);
  Sequential b = mlp(2);
  load_weights(b, path("torch.safetensors"));
  EXPECT_EQ(weight_bytes(a), weight_bytes(b));
}

TEST_F(ModelFileTest, AKerasArchiveHoldsTheModelItsWeightsAndItsOptimizer) {
  Sequential a = cnn(11);
  a.compile(Adam({.learning_rate = 0.01}), "mse");
  Tensor x = random_tensor(Shape{4, 6, 6, 2}, 12), y = random_tensor(Shape{4, 2}, 13);
  a.fit(x, y, {.batch_size = 2, .epochs = 1, .verbose = Verbosity::kSilent, .shuffle = false});
  save_model(a, path("m.keras"));
  // The members Keras's loader reads, in Keras's order, stored.
  const ZipReader zip = ZipReader::open(path("m.keras"));
  EXPECT_EQ(zip.names(), (std::vector<std::string>{"metadata.json", "config.json", "model.weights.h5"}));
  const auto meta = nlohmann::json::parse(zip.read("metadata.json"));
  EXPECT_EQ(meta.at("keras_version"), "3.0.0");
  EXPECT_EQ(meta.at("date_saved").get<std::string>().size(), 19u);  // 2026-12-04@15:51:15
  EXPECT_EQ(nlohmann::json::parse(zip.read("config.json")), keras3_model_config(a));
  KerasModel b = load_model(path("m.keras"));
  EXPECT_EQ(b.model.summary(), a.summary());
  EXPECT_EQ(weight_bytes(a), weight_bytes(b.model));
  EXPECT_EQ(tensor_bytes(a.predict(x)), tensor_bytes(b.model.predict(x)));
  ASSERT_TRUE(b.model.optimizer());
  EXPECT_EQ(b.model.optimizer()->iterations(), 2);
  EXPECT_EQ(b.model.optimizer()->slot_state().size(), a.optimizer()->slot_state().size());
  // Training on continues exactly as the original does.
  a.fit(x, y, {.batch_size = 2, .epochs = 1, .verbose = Verbosity::kSilent, .shuffle = false});
  b.model.fit(x, y, {.batch_size = 2, .epochs = 1, .verbose = Verbosity::kSilent, .shuffle = false});
  EXPECT_EQ(weight_bytes(a), weight_bytes(b.model));
}

TEST_F(ModelFileTest, AnArchiveWithoutItsPartsIsRefusedNamingThem) {
  ZipWriter z;
  z.add("metadata.json", "{}");
  z.add("model.weights.h5", "x");
  write_file_atomically(path("noconfig.keras"), z.finish());
  std::string e = error_of([&] { (void)load_model(path("noconfig.keras")); });
  EXPECT_NE(e.find("noconfig.keras: no config.json in the archive, so it is not a .keras model (it holds metadata.json, "
                   "model.weights.h5)"),
            std::string::npos)
      << e;
  Sequential a = mlp(3);
  ZipWriter n;
  n.add("config.json", keras3_model_config(a).dump());
  n.add("model.weights.npz", "x");
  write_file_atomically(path("npz.keras"), n.finish());
  e = error_of([&] { (void)load_model(path("npz.keras")); });
  EXPECT_NE(e.find("npz.keras: the weights are in model.weights.npz"), std::string::npos) << e;
}

TEST_F(ModelFileTest, NpzMembersAreNumPysArraysOfEveryDtype) {
  // NumPy wrote these (tests/fixtures/containers/make_fixtures.py): every dtype, both byte orders, Fortran order.
  const TensorSet s = decode_npz(testing::container_fixture("savez_compressed.npz"), "savez_compressed.npz");
  ASSERT_EQ(s.size(), 17u);
  const auto* f64 = s.find("f64");
  ASSERT_NE(f64, nullptr);
  EXPECT_EQ(f64->dtype, DType::kF64);
  EXPECT_EQ(f64->bytes, testing::le_bytes<double>({1.5, -2.25, 1e300}));
  EXPECT_EQ(s.find("u64")->bytes, testing::le_bytes<uint64_t>({18446744073709551615ull}));
  EXPECT_EQ(s.find("b1")->dtype, DType::kBool);
  EXPECT_EQ(s.find("i64")->shape, Shape{});
  EXPECT_EQ(s.find("empty")->shape, (Shape{0, 3}));
  EXPECT_EQ(s.find("fortran")->bytes, testing::le_bytes<float>({1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(s.find("big_f4")->bytes, testing::le_bytes<float>({1.5f, -2.0f}));
  EXPECT_EQ(s.find("big_i8")->bytes, testing::le_bytes<int64_t>({-2, 3}));
  EXPECT_EQ(s.find("big_u2")->bytes, testing::le_bytes<uint16_t>({258}));
  // Written back and read again: the same tensors; members stored, as np.savez writes them.
  TensorSet little;
  for (const StoredTensor& t : s.tensors()) little.add(t);
  const TensorSet again = decode_npz(encode_npz(little), "again.npz");
  ASSERT_EQ(again.size(), s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(again.tensors()[i].name, s.tensors()[i].name);
    EXPECT_EQ(again.tensors()[i].bytes, s.tensors()[i].bytes) << s.tensors()[i].name;
    EXPECT_EQ(again.tensors()[i].shape, s.tensors()[i].shape);
  }
  for (const char* bad : {"object.npz", "structured.npz", "unicode.npz", "complex.npz"}) {
    const std::string e = error_of([&] { (void)decode_npz(testing::container_fixture(bad), bad); });
    EXPECT_EQ(e.rfind(std::string(bad) + ": member '", 0), 0u) << e;
    EXPECT_NE(e.find("not supported"), std::string::npos) << e;
  }
  const std::string e = error_of([&] { (void)decode_npz(testing::container_fixture("not_npy_member.npz"), "n.npz"); });
  EXPECT_NE(e.find("is not a .npy array"), std::string::npos) << e;
}

}  // namespace
}  // namespace initlab
