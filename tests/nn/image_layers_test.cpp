// Conv2D, pooling, flatten, batch norm and dropout: finite-difference checks
// of every gradient, exact values on small cases, Keras's shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "initlab/initlab.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using initlab::testing::dot;
using initlab::testing::random_tensor;

// Checks dL/dx and dL/d(each trainable variable) of f = Σ c ⊙ layer(x).
void check_layer(Layer& layer, const Shape& sample_shape, int64_t batch, const std::string& what) {
  layer.build(sample_shape);
  std::vector<int64_t> dims = {batch};
  for (auto d : sample_shape.dims()) dims.push_back(d);
  Tensor x = random_tensor(Shape(dims), 11);
  const Tensor y = layer.forward(x, true);
  const Tensor c = random_tensor(y.shape(), 12);
  const Tensor dx = layer.backward(c);
  auto f = [&] { return dot(c, layer.forward(x, true)); };
  const auto vars = layer.variables();
  for (size_t i = 0; i < vars.size(); ++i) {
    if (!vars[i]->trainable()) continue;
    const Tensor g = layer.gradient(i).clone();
    const auto r = check_gradient(f, vars[i]->mutable_value(), g);
    EXPECT_TRUE(r.ok) << what << " " << vars[i]->name() << ": " << r.message;
  }
  const auto r = check_gradient(f, x, dx);
  EXPECT_TRUE(r.ok) << what << " input: " << r.message;
}

TEST(ImageLayers, Conv2DGradientsValidSameStrided) {
  set_seed(2);
  for (const std::string pad : {"valid", "same"}) {
    for (int64_t stride : {1, 2}) {
      Conv2D conv(4, {3, 3}, {.strides = {stride, stride}, .padding = pad, .activation = "tanh", .name = "c"});
      check_layer(conv, Shape{6, 5, 2}, 2, "conv " + pad + " stride " + std::to_string(stride));
    }
  }
}

TEST(ImageLayers, Conv2DComputesACrossCorrelation) {
  // One 3×3 image, one channel, a 2×2 kernel [[1, 2], [3, 4]], bias 0.5, valid padding.
  Conv2D conv(1, {2, 2}, {.bias_initializer = "zeros", .name = "c"});
  conv.build(Shape{3, 3, 1});
  conv.kernel().assign(Tensor(Shape{2, 2, 1, 1}, {1, 2, 3, 4}));
  conv.bias()->assign(Tensor(Shape{1}, {0.5f}));
  const Tensor x(Shape{1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor y = conv.forward(x, false);
  EXPECT_EQ(y.shape(), (Shape{1, 2, 2, 1}));
  // top-left: 1·1 + 2·2 + 4·3 + 5·4 = 37
  EXPECT_EQ(y[0], 37.5f);
  EXPECT_EQ(y[3], 5 * 1 + 6 * 2 + 8 * 3 + 9 * 4 + 0.5f);
  EXPECT_EQ(conv.output_shape(Shape{28, 28, 1}), (Shape{27, 27, 1}));
  Conv2D same(8, {3, 3}, {.strides = {2, 2}, .padding = "same"});
  EXPECT_EQ(same.output_shape(Shape{28, 28, 1}), (Shape{14, 14, 8}));
  // Keras's fans for the kernel (3, 3, 1, 32): fan_in 9, so he_uniform limit √(6/9).
  Conv2D he(32, {3, 3}, {.kernel_initializer = "he_uniform", .name = "he"});
  he.build(Shape{28, 28, 1});
  float biggest = 0;
  for (float v : he.kernel().value().values()) biggest = std::max(biggest, std::fabs(v));
  EXPECT_LE(biggest, std::sqrt(6.0f / 9.0f));
  EXPECT_GT(biggest, 0.9f * std::sqrt(6.0f / 9.0f));
}

TEST(ImageLayers, PoolingGradientsAndValues) {
  for (bool max : {true, false}) {
    for (const std::string pad : {"valid", "same"}) {
      Pooling2D pool(max, {2, 2}, {.padding = pad});
      check_layer(pool, Shape{5, 5, 3}, 2, std::string(max ? "max" : "avg") + " " + pad);
    }
  }
  MaxPooling2D mp;
  mp.build(Shape{2, 2, 1});
  EXPECT_EQ(mp.forward(Tensor(Shape{1, 2, 2, 1}, {1, 7, 3, -2}), false)[0], 7.0f);
  AveragePooling2D ap({2, 2}, {.padding = "same"});
  ap.build(Shape{3, 3, 1});
  const Tensor a = ap.forward(Tensor(Shape{1, 3, 3, 1}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), false);
  EXPECT_EQ(a.shape(), (Shape{1, 2, 2, 1}));
  EXPECT_EQ(a[3], 9.0f);  // the corner window holds one in-bounds value: averaged over it alone
  GlobalAveragePooling2D gap;
  check_layer(gap, Shape{3, 4, 2}, 2, "global average");
}

// Layers reuse their output and input-gradient buffers when no one else holds
// them: a second step must give exactly what a fresh layer gives, and a result
// the caller still holds must not change.
template <class MakeLayer>
void check_buffer_reuse(MakeLayer make, const Shape& sample_shape, const std::string& what) {
  std::vector<int64_t> dims = {3};
  for (auto d : sample_shape.dims()) dims.push_back(d);
  const Tensor x1 = random_tensor(Shape(dims), 21), x2 = random_tensor(Shape(dims), 22);
  auto reused = make();
  reused->build(sample_shape);
  const Tensor dy1 = random_tensor(reused->forward(x1, true).shape(), 23);
  const Tensor dy2 = random_tensor(dy1.shape(), 24);
  reused->backward(dy1);  // results dropped: the buffers are free for the next step
  const Tensor y2 = reused->forward(x2, true).clone();
  const Tensor dx2 = reused->backward(dy2).clone();
  auto fresh = make();
  fresh->build(sample_shape);
  for (size_t i = 0; i < fresh->variables().size(); ++i) fresh->variables()[i]->assign(reused->variables()[i]->value());
  const Tensor want_y = fresh->forward(x2, true);
  const Tensor want_dx = fresh->backward(dy2);
  ASSERT_EQ(std::memcmp(y2.data(), want_y.data(), 4 * y2.size()), 0) << what << ": output";
  ASSERT_EQ(std::memcmp(dx2.data(), want_dx.data(), 4 * dx2.size()), 0) << what << ": input gradient";
  // A held result stays as it was.
  const Tensor held = reused->forward(x1, true);
  const Tensor copy = held.clone();
  reused->forward(x2, true);
  EXPECT_EQ(std::memcmp(held.data(), copy.data(), 4 * held.size()), 0) << what << ": a held output changed";
}

TEST(ImageLayers, ReusedBuffersGiveWhatFreshOnesGive) {
  for (bool max : {true, false}) {
    for (const std::string pad : {"valid", "same"}) {
      for (int64_t stride : {2, 1}) {
        // 5×5 with 2×2 windows: with stride 2 and valid padding the last row and column lie in no window.
        check_buffer_reuse([&] { return std::make_shared<Pooling2D>(max, std::array<int64_t, 2>{2, 2},
                                                                    PoolingOptions{.strides = {stride, stride}, .padding = pad}); },
                           Shape{5, 5, 3}, std::string(max ? "max " : "avg ") + pad + " stride " + std::to_string(stride));
      }
    }
  }
  for (const std::string act : {"relu", "tanh", "linear"}) {
    check_buffer_reuse([&] { return std::make_shared<Conv2D>(4, std::array<int64_t, 2>{3, 3},
                                                             Conv2DOptions{.activation = act, .name = "c"}); },
                       Shape{6, 5, 2}, "conv " + act);
  }
}

TEST(ImageLayers, FlattenIsAReshape) {
  Flatten f;
  f.build(Shape{2, 3, 4});
  const Tensor x = random_tensor(Shape{5, 2, 3, 4}, 1);
  const Tensor y = f.forward(x, false);
  EXPECT_EQ(y.shape(), (Shape{5, 24}));
  EXPECT_EQ(f.backward(y).shape(), x.shape());
  EXPECT_EQ(std::memcmp(y.data(), x.data(), 4 * x.size()), 0);
}

TEST(ImageLayers, BatchNormalizationTrainingGradientsAndMovingStatistics) {
  BatchNormalization bn({.name = "bn"});
  check_layer(bn, Shape{4}, 6, "batch norm");
  BatchNormalization b2({.momentum = 0.9, .name = "b2"});
  b2.build(Shape{2});
  const Tensor x(Shape{4, 2}, {1, 10, 2, 20, 3, 30, 4, 40});
  const Tensor y = b2.forward(x, true);
  // Normalized per feature: mean 0, (biased) variance var/(var + ε).
  double m = 0, v = 0;
  for (int r = 0; r < 4; ++r) m += y[r * 2];
  for (int r = 0; r < 4; ++r) v += y[r * 2] * y[r * 2];
  EXPECT_NEAR(m / 4, 0.0, 1e-6);
  EXPECT_NEAR(v / 4, 1.25 / (1.25 + 1e-3), 1e-5);
  // moving ← 0.9·moving + 0.1·batch: mean 0.1·2.5, variance 0.9 + 0.1·1.25.
  EXPECT_NEAR(b2.variables()[2]->value()[0], 0.25, 1e-6);
  EXPECT_NEAR(b2.variables()[3]->value()[0], 1.025, 1e-6);
  // Inference uses the moving statistics.
  const Tensor yi = b2.forward(x, false);
  EXPECT_NEAR(yi[0], (1 - 0.25) / std::sqrt(1.025 + 1e-3), 1e-5);
}

TEST(ImageLayers, DropoutKeepsOneMinusRateScaledAndIsReproducible) {
  set_seed(5);
  Dropout d(0.3, "drop");
  d.build(Shape{1000});
  const Tensor x(Shape{10, 1000}, 1.0f);
  const Tensor y = d.forward(x, true);
  int64_t kept = 0;
  for (float v : y.values()) {
    ASSERT_TRUE(v == 0.0f || std::fabs(v - 1 / 0.7f) < 1e-6f);
    kept += v != 0.0f;
  }
  const double n = 10000, p = 0.7;
  EXPECT_NEAR(kept / n, p, 5 * std::sqrt(p * (1 - p) / n));
  const Tensor dy = random_tensor(y.shape(), 3);
  const Tensor dx = d.backward(dy);
  for (int64_t i = 0; i < dx.size(); ++i) ASSERT_FLOAT_EQ(dx[i], y[i] == 0.0f ? 0.0f : dy[i] / 0.7f);
  EXPECT_EQ(std::memcmp(d.forward(x, false).data(), x.data(), 4 * x.size()), 0);  // inference: identity
  // Same seed, same layer name, same step → same mask, on any thread count.
  set_num_threads(1);
  Dropout a(0.5, "drop");
  a.build(Shape{1000});
  const Tensor ma = a.forward(x, true);
  set_num_threads(2);
  Dropout b(0.5, "drop");
  b.build(Shape{1000});
  const Tensor mb = b.forward(x, true);
  EXPECT_EQ(std::memcmp(ma.data(), mb.data(), 4 * ma.size()), 0);
  EXPECT_NE(std::memcmp(ma.data(), b.forward(x, true).data(), 4 * ma.size()), 0);  // the next step differs
}

TEST(ImageLayers, SmallCnnTrains) {
  set_seed(8);
  // Bright-left versus bright-right 8×8 images.
  const int64_t n = 64;
  Tensor x(Shape{n, 8, 8, 1}), y(Shape{n});
  RandomStream(8, 1).fill_uniform(x.values(), 0.0f, 0.3f);
  for (int64_t i = 0; i < n; ++i) {
    y[i] = static_cast<float>(i % 2);
    for (int64_t r = 0; r < 8; ++r)
      for (int64_t c = (i % 2) * 4; c < (i % 2) * 4 + 4; ++c) x[((i * 8 + r) * 8 + c)] += 0.7f;
  }
  Sequential model;
  model.add(Input(Shape{8, 8, 1}));
  model.add(Conv2D(4, {3, 3}, {.activation = "relu", .kernel_initializer = "he_uniform"}));
  model.add(MaxPooling2D({2, 2}));
  model.add(Flatten());
  model.add(Dropout(0.1));
  model.add(Dense(2, {.activation = "softmax"}));
  model.compile(Adam({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});
  EXPECT_EQ(model.output_shape(), (Shape{2}));
  const History h = model.fit(x, one_hot(y, 2), {.batch_size = 16, .epochs = 15, .verbose = Verbosity::kSilent});
  EXPECT_GT(h.last("accuracy"), 0.95);
  const std::string summary = model.summary();
  EXPECT_NE(summary.find("conv2d (Conv2D)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("(None, 6, 6, 4)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("kernel: he_uniform, bias: zeros"), std::string::npos) << summary;
}

}  // namespace
}  // namespace initlab
