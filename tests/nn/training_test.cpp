// Training end to end, and the errors bad input gets.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "initlab/initlab.hpp"
#include "initlab/core/atomic_file.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using initlab::testing::error_of;

Sequential xor_model() {
  Sequential model("xor");
  model.add(Input(Shape{2}));
  model.add(Dense(4, {.activation = "tanh", .name = "hidden"}));
  model.add(Dense(1, {.activation = "sigmoid", .name = "out"}));
  return model;
}

TEST(Training, XorReachesFullAccuracyFromGlorotUniform) {
  set_seed(42);
  const Tensor x(Shape{4, 2}, {0, 0, 0, 1, 1, 0, 1, 1});
  const Tensor y(Shape{4, 1}, {0, 1, 1, 0});
  Sequential model = xor_model();
  model.compile(Adam({.learning_rate = 0.05}), "binary_crossentropy", {"accuracy"});
  const History h = model.fit(x, y, {.batch_size = 4, .epochs = 500, .verbose = Verbosity::kSilent});
  EXPECT_EQ(h.last("accuracy"), 1.0);
  const Logs e = model.evaluate(x, y);
  EXPECT_EQ(e.at("accuracy"), 1.0);
  EXPECT_LT(e.at("loss"), 0.1);
  const Tensor p = model.predict(x);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(p[i] > 0.5f, y[i] > 0.5f) << i;
}

TEST(Training, SoftmaxClassifierLearnsAndReportsValidation) {
  set_seed(7);
  // Three Gaussian blobs in 2-D, one-hot labels.
  const int64_t n = 300;
  Tensor x(Shape{n, 2}), y(Shape{n, 3}), noise(Shape{n, 2});
  RandomStream(7, 9).fill_normal(noise.values(), 0.0f, 0.3f);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = i % 3;
    x.at({i, 0}) = static_cast<float>(std::cos(2.1 * c)) + noise.at({i, 0});
    x.at({i, 1}) = static_cast<float>(std::sin(2.1 * c)) + noise.at({i, 1});
    y.at({i, c}) = 1;
  }
  Sequential model;
  model.add(Input(Shape{2}));
  model.add(Dense(16, {.activation = "relu", .kernel_initializer = "he_normal"}));
  model.add(Dense(3, {.activation = "softmax"}));
  model.compile(RMSprop({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});
  const History h =
      model.fit(x, y, {.batch_size = 16, .epochs = 20, .verbose = Verbosity::kSilent, .validation_split = 0.2});
  EXPECT_GT(h.last("accuracy"), 0.95);
  EXPECT_GT(h.last("val_accuracy"), 0.95);
  EXPECT_LT(h.history.at("loss").back(), h.history.at("loss").front());
  EXPECT_EQ(h.epoch.size(), 20u);
  // Unnamed layers get Keras-style names.
  EXPECT_NO_THROW(model.layer("dense"));
  EXPECT_NO_THROW(model.layer("dense_1"));
  EXPECT_NE(model.summary().find("dense_1 (Dense)"), std::string::npos);
  EXPECT_NE(model.summary().find("kernel: he_normal, bias: zeros"), std::string::npos);
  EXPECT_NE(model.summary().find("Total params: 99"), std::string::npos);
}

TEST(Training, FitIsBitReproducibleOnOneAndTwoThreads) {
  auto train = [](int threads) {
    set_num_threads(threads);
    set_seed(99);
    Tensor x(Shape{512, 64}), y(Shape{512});
    RandomStream(1, 2).fill_normal(x.values());
    for (int64_t i = 0; i < 512; ++i) y[i] = static_cast<float>(i % 10);
    Sequential model;
    model.add(Input(Shape{64}));
    model.add(Dense(256, {.activation = "relu"}));
    model.add(Dense(10, {.activation = "softmax"}));
    model.compile(Adam(), "sparse_categorical_crossentropy");
    model.fit(x, y, {.batch_size = 128, .epochs = 2, .verbose = Verbosity::kSilent});
    return model.get_weights();
  };
  const auto a = train(1), b = train(2);
  set_num_threads(2);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(std::memcmp(a[i].data(), b[i].data(), sizeof(float) * a[i].size()), 0) << "tensor " << i;
  }
}

TEST(Training, BadInputGetsAClearError) {
  set_seed(1);
  Sequential model = xor_model();
  const Tensor x(Shape{4, 2}), y(Shape{4, 1});
  EXPECT_NE(error_of([&] { model.fit(x, y); }).find("fit: model 'xor' is not compiled; call compile"), std::string::npos);
  model.compile(SGD(), "binary_crossentropy");
  EXPECT_EQ(error_of([&] { model.fit(x, Tensor(Shape{3, 1})); }),
            "fit: x has 4 samples but y has 3 (shapes (4, 2) and (3, 1))");
  EXPECT_EQ(error_of([&] { model.fit(Tensor(Shape{4, 3}), y); }),
            "fit: x has shape (4, 3), but model 'xor' takes inputs of shape (None, 2)");
  Tensor bad = x.clone();
  bad.at({2, 1}) = std::nanf("");
  EXPECT_EQ(error_of([&] { model.fit(bad, y); }), "fit: x contains NaN at sample 2, position 1 in the sample");
  EXPECT_NE(error_of([&] { model.fit(x, Tensor(Shape{4, 2})); }).find("y has shape (4, 2), expected (4, 1)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { model.predict(Tensor(Shape{4, 5})); }).find("predict: x has shape (4, 5)"), std::string::npos);

  Sequential cls;
  cls.add(Input(Shape{2}));
  cls.add(Dense(3, {.activation = "softmax"}));
  cls.compile(Adam(), "sparse_categorical_crossentropy");
  EXPECT_EQ(error_of([&] { cls.fit(x, Tensor(Shape{4}, {0, 1, 3, 2})); }),
            "loss sparse_categorical_crossentropy: label 3 of sample 2 in y is out of range (expected an integer in "
            "[0, 3) for 3 output units)");
  EXPECT_NE(error_of([&] { cls.fit(x, Tensor(Shape{4}, {0, 1, 0.5f, 2})); }).find("label 0.5 of sample 2"),
            std::string::npos);
}

TEST(Training, NamesAreUniqueAndWeightsAreChecked) {
  Sequential model("m");
  model.add(Dense(3, {.name = "layer1"}));
  EXPECT_EQ(error_of([&] { model.add(Dense(2, {.name = "layer1"})); }),
            "model 'm': duplicate layer name 'layer1': layer 0 (Dense) and the new Dense both use it");
  model.add(Dense(2));
  model.build(Shape{4});
  EXPECT_EQ(model.layers()[1]->name(), "dense");
  EXPECT_EQ(model.variables()[0]->name(), "layer1/kernel");
  const auto before = model.get_weights();
  std::vector<Tensor> wrong = {Tensor(Shape{4, 3}), Tensor(Shape{3}), Tensor(Shape{3, 3}), Tensor(Shape{2})};
  EXPECT_NE(error_of([&] { model.set_weights(wrong); })
                .find("tensor 2 for 'dense/kernel' has shape (3, 3), expected (3, 2); nothing was changed"),
            std::string::npos);
  const auto after = model.get_weights();
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(std::memcmp(before[i].data(), after[i].data(), 4 * before[i].size()), 0);
  }
  Variable v("v", Tensor(Shape{2}));
  EXPECT_EQ(error_of([&] { v.assign(Tensor(Shape{3})); }), "assign of variable 'v': expected shape (2,), got (3,)");
  Tensor& storage = v.mutable_value();
  v.assign(Tensor(Shape{2}, {5, 6}));
  EXPECT_EQ(storage[1], 6.0f);  // same identity
  EXPECT_NE(error_of([&] { model.layer("nope"); }).find("has no layer 'nope' (layers: layer1, dense)"), std::string::npos);
}

TEST(Training, EarlyStoppingAndCsvLogger) {
  set_seed(3);
  const Tensor x(Shape{4, 2}, {0, 0, 0, 1, 1, 0, 1, 1});
  const Tensor y(Shape{4, 1}, {0, 1, 1, 0});
  Sequential model = xor_model();
  model.compile(SGD({.learning_rate = 1e-9}), "binary_crossentropy");  // no progress: stops after patience
  auto stop = std::make_shared<EarlyStopping>(EarlyStoppingOptions{.monitor = "loss", .min_delta = 1e-3, .patience = 2});
  const std::string csv = ::testing::TempDir() + "/initlab_history.csv";
  auto logger = std::make_shared<CSVLogger>(csv);
  const History h = model.fit(x, y, {.epochs = 50, .verbose = Verbosity::kSilent, .callbacks = {stop, logger}});
  EXPECT_EQ(h.epoch.size(), 4u);  // best at epoch 0, then 3 epochs without improvement
  const std::string text = read_file(csv);
  EXPECT_EQ(text.substr(0, 11), "epoch,loss\n");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 5);
}

TEST(Training, CustomLoopWithGradientsAndApplyGradients) {
  set_seed(5);
  const Tensor x(Shape{4, 2}, {0, 0, 0, 1, 1, 0, 1, 1});
  const Tensor y(Shape{4, 1}, {0, 1, 1, 0});
  Sequential model = xor_model();
  model.compile(Adam({.learning_rate = 0.05}), "binary_crossentropy");
  auto opt = model.optimizer();
  const double first = model.loss_value(x, y);
  for (int step = 0; step < 300; ++step) opt->apply_gradients(model.gradients(x, y), model.trainable_variables());
  EXPECT_LT(model.loss_value(x, y), first / 4);
  EXPECT_EQ(opt->iterations(), 300);
  const Gradients g = model.gradients(x, y);
  EXPECT_EQ(g.count("hidden/kernel"), 1u);
  EXPECT_EQ(g.at("hidden/kernel").shape(), (Shape{2, 4}));
}

}  // namespace
}  // namespace initlab
