// Probes, verdicts, the NaN guard, the init advisor and LSUV on constructed nets.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "initlab/core/error.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/core/summary.hpp"
#include "initlab/diag/advisor.hpp"
#include "initlab/diag/stats_probe.hpp"
#include "initlab/diag/verdicts.hpp"
#include "initlab/nn/activation_layer.hpp"
#include "initlab/nn/batch_normalization.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/lsuv.hpp"
#include "initlab/nn/sequential.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using testing::random_tensor;

// Input(in) → depth × Dense(width, act, init) → Dense(classes, softmax, init).
Sequential mlp(int64_t in, int depth, int64_t width, const std::string& act, const Initializer& init,
               int64_t classes = 4) {
  Sequential m("mlp");
  m.add(Input(Shape{in}));
  for (int i = 0; i < depth; ++i) m.add(Dense(width, {.activation = act, .kernel_initializer = init}));
  m.add(Dense(classes, {.activation = "softmax", .kernel_initializer = init}));
  m.compile(SGD(), "categorical_crossentropy");
  return m;
}

Tensor one_hot_targets(int64_t n, int64_t classes) {
  Tensor y(Shape{n, classes}, 0.0f);
  for (int64_t i = 0; i < n; ++i) y[i * classes + i % classes] = 1;
  return y;
}

bool has(const std::vector<Verdict>& v, Verdict::Kind k) {
  return std::any_of(v.begin(), v.end(), [&](const Verdict& x) { return x.kind == k; });
}

std::vector<Verdict> verdicts_of(Sequential& m, int64_t in, int64_t n = 128) {
  const Tensor x = random_tensor(Shape{n, in}, 5);
  const Snapshot s = StatsProbe::probe(m, x, one_hot_targets(n, m.output_shape()[0]));
  return judge(s, m);
}

TEST(Verdicts, SmallNormalTanhNetVanishes) {
  set_seed(1);
  auto m = mlp(32, 10, 64, "tanh", Initializer::from_config({{"class_name", "RandomNormal"}, {"config", {{"stddev", 0.01}}}}));
  const auto v = verdicts_of(m, 32);
  ASSERT_TRUE(has(v, Verdict::Kind::kVanishing)) << v[0].message;
  const auto& van = *std::find_if(v.begin(), v.end(), [](const Verdict& x) { return x.kind == Verdict::Kind::kVanishing; });
  // Each layer multiplies the gradient's std by about √(64·0.01²) = 0.08: ×0.08^10 ≈ 1e-11.
  EXPECT_LT(van.value, 1e-6);
  EXPECT_NE(van.message.find("vanishing gradients"), std::string::npos);
}

TEST(Verdicts, ZeroInitializedNetIsSymmetric) {
  set_seed(1);
  auto m = mlp(8, 3, 16, "tanh", Initializer("zeros"));
  const auto v = verdicts_of(m, 8);
  ASSERT_TRUE(has(v, Verdict::Kind::kSymmetric));
  int symmetric_layers = 0;
  for (const auto& x : v) {
    if (x.kind != Verdict::Kind::kSymmetric) continue;
    ++symmetric_layers;
    ASSERT_EQ(x.unit_groups.size(), 1u) << x.message;
    EXPECT_EQ(x.unit_groups[0].size(), 16u);
    EXPECT_NE(x.message.find("all 16 units are identical"), std::string::npos) << x.message;
  }
  EXPECT_EQ(symmetric_layers, 3);  // every hidden layer, not the output layer
}

TEST(Verdicts, PartlySymmetricLayerNamesTheUnits) {
  set_seed(2);
  auto m = mlp(6, 2, 8, "tanh", Initializer("glorot_uniform"));
  const Tensor x = random_tensor(Shape{32, 6}, 5);
  m.predict(x);
  // Make units 2 and 5 of the first layer identical, in and out.
  auto& d = m.layer<Dense>("dense");
  auto& next = m.layer<Dense>("dense_1");
  Tensor w = d.kernel().value().clone(), w2 = next.kernel().value().clone();
  for (int64_t i = 0; i < 6; ++i) w[i * 8 + 5] = w[i * 8 + 2];
  for (int64_t o = 0; o < 8; ++o) w2[5 * 8 + o] = w2[2 * 8 + o];
  d.kernel().assign(w);
  next.kernel().assign(w2);
  const Snapshot s = StatsProbe::probe(m, x, one_hot_targets(32, 4));
  const auto v = judge(s, m);
  auto it = std::find_if(v.begin(), v.end(), [](const Verdict& v_) { return v_.kind == Verdict::Kind::kSymmetric; });
  ASSERT_NE(it, v.end());
  EXPECT_EQ(it->layer, "dense");
  ASSERT_EQ(it->unit_groups.size(), 1u);
  EXPECT_EQ(it->unit_groups[0], (std::vector<int64_t>{2, 5}));
  EXPECT_NE(it->message.find("[2, 5]"), std::string::npos) << it->message;
}

TEST(Verdicts, HeInitializedReluNetIsHealthy) {
  set_seed(3);
  auto m = mlp(64, 10, 128, "relu", Initializer("he_normal"), 10);
  const auto v = verdicts_of(m, 64, 256);
  ASSERT_EQ(v.size(), 1u) << v[0].message << (v.size() > 1 ? v[1].message : "");
  EXPECT_EQ(v[0].kind, Verdict::Kind::kHealthy) << v[0].message;
}

TEST(Verdicts, DeadAndSaturatedLayers) {
  set_seed(4);
  Sequential m("m");
  m.add(Input(Shape{16}));
  // Bias −100: every unit of 'dead' outputs 0 whatever the input in [−1, 1).
  m.add(Dense(32, {.activation = "relu", .bias_initializer = Initializer::from_config(
                                                                 {{"class_name", "Constant"}, {"config", {{"value", -100}}}}),
                   .name = "dead"}));
  m.add(Dense(32, {.activation = "tanh",
                   .kernel_initializer = Initializer::from_config({{"class_name", "RandomNormal"}, {"config", {{"stddev", 50}}}}),
                   .bias_initializer = Initializer::from_config({{"class_name", "RandomNormal"}, {"config", {{"stddev", 50}}}}),
                   .name = "hot"}));
  m.add(Dense(4, {.activation = "softmax"}));
  m.compile(SGD(), "categorical_crossentropy");
  const Tensor x = random_tensor(Shape{64, 16}, 9);
  const Snapshot s = StatsProbe::probe(m, x, one_hot_targets(64, 4));
  ASSERT_EQ(s.layers.size(), 3u);
  EXPECT_DOUBLE_EQ(s.layers[0].dead_fraction, 1.0);
  // The tanh layer's saturated fraction, counted directly.
  const Tensor& a = m.layer<Dense>("hot").output();
  int64_t sat = 0;
  for (float f : a.values()) sat += std::abs(f) > 0.99f;
  EXPECT_DOUBLE_EQ(s.layers[1].saturated_fraction, static_cast<double>(sat) / static_cast<double>(a.size()));
  EXPECT_GT(s.layers[1].saturated_fraction, 0.9);
  const auto v = judge(s, m);
  EXPECT_TRUE(has(v, Verdict::Kind::kDead));
  EXPECT_TRUE(has(v, Verdict::Kind::kSaturated));
}

TEST(Verdicts, LargeNormalReluNetExplodesBothWays) {
  // N(0, 1) weights on a ReLU net of width 32: each layer multiplies the
  // second moment by fan_in·Var(w)/2 = 16, the std by 4, going forward and back.
  set_seed(8);
  auto m = mlp(32, 8, 32, "relu", Initializer::from_config({{"class_name", "RandomNormal"}, {"config", {{"stddev", 1.0}}}}));
  const auto v = verdicts_of(m, 32);
  std::vector<const Verdict*> exploding;
  for (const auto& x : v) {
    if (x.kind == Verdict::Kind::kExploding) exploding.push_back(&x);
  }
  ASSERT_EQ(exploding.size(), 2u) << v[0].message;
  EXPECT_NE(exploding[0]->message.find("exploding gradients"), std::string::npos) << exploding[0]->message;
  EXPECT_NE(exploding[1]->message.find("exploding activations"), std::string::npos) << exploding[1]->message;
  // 4 per layer over the 8 steps from the first weighted layer to the output: 4^8 ≈ 6.6e4;
  // a band of a factor 30 either way for the randomness of 32-unit layers.
  for (const auto* e : exploding) {
    EXPECT_GT(e->value, std::pow(4.0, 8) / 30) << e->message;
    EXPECT_LT(e->value, std::pow(4.0, 8) * 30) << e->message;
  }
}

TEST(Verdicts, SaturatedSoftmaxStillPassesItsGradient) {
  // Logits of thousands: softmax is one-hot in float. With the loss fused,
  // ∂L/∂z = (p − y)/N stays exact, so the probe (and the verdicts) see the
  // gradient that fit uses, not the zero of the clipped probabilities.
  set_seed(9);
  Sequential m("hot");
  m.add(Input(Shape{4}));
  m.add(Dense(3, {.activation = "softmax",
                  .kernel_initializer = Initializer::from_config({{"class_name", "Constant"}, {"config", {{"value", 0}}}}),
                  .bias_initializer = Initializer::from_config({{"class_name", "Constant"}, {"config", {{"value", 0}}}})}));
  m.compile(SGD(), "categorical_crossentropy");
  m.build(Shape{4});
  Tensor w(Shape{4, 3}, 0.0f);
  w[0] = 1000;  // input 0 drives class 0
  m.layer<Dense>("dense").kernel().assign(w);
  Tensor x(Shape{2, 4}, 0.0f), y(Shape{2, 3}, 0.0f);
  x[0] = 1;
  x[5] = 1;  // sample 1: an input with zero weights, logits 0
  y[1] = 1;      // sample 0 belongs to class 1 but predicts class 0 with p = 1
  y[3 + 0] = 1;  // sample 1: class 0, predicted with p = 1/3 each
  const Snapshot s = StatsProbe::probe(m, x, y);
  ASSERT_EQ(s.layers.size(), 1u);
  // dz = (p − y)/2: sample 0 (1, −1, 0)/2; sample 1 (1/3 − 1, 1/3, 1/3)/2.
  const std::vector<float> dz = {0.5f, -0.5f, 0.0f, -1.0f / 3.0f, 1.0f / 6.0f, 1.0f / 6.0f};
  EXPECT_NEAR(s.layers[0].pre_activation_gradient_std, summarize(dz).stddev, 1e-7);
  EXPECT_GT(s.layers[0].weight_gradient_std, 0.1);
}

TEST(Verdicts, LinesSumUpALayerKindPastTheFirstTwo) {
  set_seed(10);
  auto m = mlp(8, 6, 8, "relu", Initializer("zeros"));
  const auto v = verdicts_of(m, 8);
  const auto lines = verdict_lines(v);
  int dead = 0, symmetric = 0;
  for (const auto& x : v) {
    dead += x.kind == Verdict::Kind::kDead;
    symmetric += x.kind == Verdict::Kind::kSymmetric;
  }
  ASSERT_EQ(dead, 6);
  ASSERT_EQ(symmetric, 6);
  // The gradient verdict, two dead, two symmetric, then one line per kind for the other four.
  ASSERT_EQ(lines.size(), v.size() - 8 + 2);
  EXPECT_EQ(lines[lines.size() - 2], "… and 4 more layers dead: 'dense_2' … 'dense_5'");
  EXPECT_EQ(lines.back(), "… and 4 more layers symmetric: 'dense_2' … 'dense_5'");
}

TEST(StatsProbe, NumbersMatchTheModelsOwnTensors) {
  set_seed(5);
  auto m = mlp(12, 2, 16, "tanh", Initializer("glorot_uniform"), 3);
  const Tensor x = random_tensor(Shape{40, 12}, 11);
  const Tensor y = one_hot_targets(40, 3);
  const Snapshot s = StatsProbe::probe(m, x, y);
  ASSERT_EQ(s.layers.size(), 3u);
  const Gradients g = m.gradients(x, y);  // the same batch: the same gradients
  EXPECT_NEAR(s.layers[0].weight_gradient_std, summarize(g.at("dense/kernel").values()).stddev, 1e-9);
  EXPECT_NEAR(s.layers[2].weight_gradient_std, summarize(g.at("dense_2/kernel").values()).stddev, 1e-9);
  // Output layer, fused with the loss: ∂L/∂z = (softmax(z) − y) / N.
  const Tensor& p = m.layer<Dense>("dense_2").output();
  std::vector<float> dz(static_cast<size_t>(p.size()));
  for (int64_t i = 0; i < p.size(); ++i) dz[static_cast<size_t>(i)] = (p[i] - y[i]) / 40.0f;
  EXPECT_NEAR(s.layers[2].pre_activation_gradient_std, summarize(dz).stddev, 1e-7);
  // Activation statistics and the 50th percentile of the first layer's output.
  const Tensor& a0 = m.layer<Dense>("dense").output();
  EXPECT_NEAR(s.layers[0].activation_std, summarize(a0.values()).stddev, 1e-12);
  std::vector<float> sorted(a0.values().begin(), a0.values().end());
  std::sort(sorted.begin(), sorted.end());
  const double median = 0.5 * (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
  EXPECT_NEAR(s.layers[0].percentiles[2], median, 1e-6);
  // Histograms count every value once.
  int64_t total = 0;
  for (auto c : s.layers[0].activations.counts) total += c;
  EXPECT_EQ(total, a0.size());
  EXPECT_EQ(s.layers[0].activations.lo, -1.0);
  EXPECT_EQ(s.layers[0].activations.hi, 1.0);
}

TEST(StatsProbe, RecordsEveryNStepsDuringFit) {
  set_seed(6);
  auto m = mlp(8, 2, 8, "relu", Initializer("he_normal"), 2);
  auto probe = std::make_shared<StatsProbe>(StatsProbeOptions{.every = 5});
  m.add_probe(probe);
  const Tensor x = random_tensor(Shape{120, 8}, 3);
  m.fit(x, one_hot_targets(120, 2), {.batch_size = 10, .epochs = 2, .verbose = Verbosity::kSilent});  // 24 steps
  std::vector<int64_t> steps;
  for (const auto& s : probe->snapshots()) steps.push_back(s.step);
  EXPECT_EQ(steps, (std::vector<int64_t>{0, 5, 10, 15, 20}));
  for (const auto& s : probe->snapshots()) {
    ASSERT_EQ(s.layers.size(), 3u);
    EXPECT_FALSE(std::isnan(s.layers[0].pre_activation_gradient_std));
  }
  // Training with and without the probe gives the same weights: observing changes nothing.
  set_seed(6);
  auto plain = mlp(8, 2, 8, "relu", Initializer("he_normal"), 2);
  plain.fit(x, one_hot_targets(120, 2), {.batch_size = 10, .epochs = 2, .verbose = Verbosity::kSilent});
  const auto a = m.get_weights(), b = plain.get_weights();
  for (size_t i = 0; i < a.size(); ++i) {
    for (int64_t j = 0; j < a[i].size(); ++j) ASSERT_EQ(a[i][j], b[i][j]);
  }
}

TEST(NanGuard, NamesTheFirstLayerThatOverflows) {
  // 25 linear layers of width 10 with constant kernels 10 on inputs of ones:
  // layer k outputs 100^k, which overflows float (max 3.4e38) at k = 20, 'dense_19'.
  set_seed(7);
  Sequential m("exploding");
  m.add(Input(Shape{10}));
  const Initializer ten = Initializer::from_config({{"class_name", "Constant"}, {"config", {{"value", 10}}}});
  for (int i = 0; i < 25; ++i) m.add(Dense(10, {.kernel_initializer = ten}));
  m.add(Dense(1));
  m.compile(SGD(), "mse");
  const Tensor x(Shape{8, 10}, 1.0f), y(Shape{8, 1}, 0.0f);
  try {
    m.fit(x, y, {.batch_size = 8, .epochs = 1, .verbose = Verbosity::kSilent});
    FAIL() << "fit did not stop";
  } catch (const NonFiniteError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("layer 19 'dense_19' (Dense) is the first to produce a non-finite value"), std::string::npos) << msg;
    EXPECT_NE(msg.find("training step 1"), std::string::npos) << msg;
    EXPECT_NE(msg.find("learning rate"), std::string::npos) << msg;
    EXPECT_NE(msg.find("its weights are finite"), std::string::npos) << msg;
  }
}

TEST(NanGuard, NamesAVariableAnUpdateMadeNonFinite) {
  set_seed(8);
  auto m = mlp(4, 2, 4, "tanh", Initializer("glorot_uniform"), 2);
  const Tensor x = random_tensor(Shape{16, 4}, 1);
  m.fit(x, one_hot_targets(16, 2), {.batch_size = 16, .epochs = 1, .verbose = Verbosity::kSilent});
  // As if an update had overflowed: one weight of the middle layer is NaN.
  Tensor w = m.layer<Dense>("dense_1").kernel().value().clone();
  w[3] = NAN;
  m.layer<Dense>("dense_1").kernel().assign(w);
  const std::string msg = testing::error_of(
      [&] { m.fit(x, one_hot_targets(16, 2), {.batch_size = 16, .epochs = 1, .verbose = Verbosity::kSilent}); });
  EXPECT_NE(msg.find("layer 1 'dense_1' (Dense) is the first"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'dense_1/kernel' holds 1 non-finite value"), std::string::npos) << msg;
  EXPECT_NE(msg.find("training step 2"), std::string::npos) << msg;
}

TEST(Lsuv, EveryLayerEndsWithinTolerance) {
  for (const char* act : {"relu", "tanh"}) {
    set_seed(9);
    auto m = mlp(30, 8, 48, act, Initializer("random_normal"), 5);
    const Tensor x = random_tensor(Shape{256, 30}, 2);
    const auto reports = lsuv_initialize(m, x, {.tolerance = 0.1, .max_iterations = 10});
    ASSERT_EQ(reports.size(), 9u);
    // Measured independently: the variance of every layer's z on the batch.
    m.predict(x, 256);
    for (const auto& r : reports) {
      EXPECT_TRUE(r.converged) << act << " " << r.layer;
      EXPECT_LE(r.iterations, 10);
      const double sd = summarize(m.layer<Dense>(r.layer).pre_activation().values()).stddev;
      EXPECT_LT(std::abs(sd * sd - 1.0), 0.1) << act << " " << r.layer << " var " << sd * sd;
      EXPECT_NEAR(sd * sd, r.final_variance, 1e-9);
    }
  }
}

TEST(Lsuv, StartsFromOrthonormalColumnsAndRescalesOnly) {
  set_seed(10);
  Sequential m("sq");
  m.add(Input(Shape{16}));
  m.add(Dense(16, {.activation = "tanh"}));
  m.add(Dense(3));
  m.compile(SGD(), "mse");
  const Tensor x = random_tensor(Shape{64, 16}, 4);
  lsuv_initialize(m, x);
  // WᵀW = s²·I: orthogonal columns of one common length.
  const Tensor& w = m.layer<Dense>("dense").kernel().value();
  double s2 = 0;
  for (int64_t i = 0; i < 16; ++i) s2 += w[i * 16] * w[i * 16];
  for (int64_t a = 0; a < 16; ++a) {
    for (int64_t b = 0; b < 16; ++b) {
      double dotp = 0;
      for (int64_t i = 0; i < 16; ++i) dotp += static_cast<double>(w[i * 16 + a]) * w[i * 16 + b];
      EXPECT_NEAR(dotp, a == b ? s2 : 0.0, 1e-5 * s2) << a << "," << b;
    }
  }
  EXPECT_NE(testing::error_of([&] { lsuv_initialize(m, x, {.tolerance = 0}); }).find("tolerance must be > 0"),
            std::string::npos);
}

std::vector<std::string> rules(Sequential& m, AdvisorOptions o = {}) {
  std::vector<std::string> r;
  for (const auto& a : advise(m, o)) r.push_back(a.rule);
  return r;
}

TEST(Advisor, OneCasePerRule) {
  using V = std::vector<std::string>;
  auto zeros = mlp(8, 2, 8, "relu", Initializer("zeros"));
  EXPECT_EQ(rules(zeros), V{"constant-kernel"});
  const auto za = advise(zeros);
  EXPECT_EQ(za[0].layers, (V{"dense", "dense_1"}));  // hidden layers only
  EXPECT_NE(za[0].arithmetic.find("Var(w) = 0"), std::string::npos);

  auto small = mlp(64, 6, 64, "tanh", Initializer("random_normal"));
  EXPECT_EQ(rules(small), V{"unscaled-deep-tanh"});
  // 64 · 0.05² = 0.16 per layer, 0.16⁶ = 1.7e-05 over the six.
  EXPECT_NE(advise(small)[0].arithmetic.find("'dense' and 5 more: 64·0.0025 = 0.16; ×1.7e-05 over 6 layers"),
            std::string::npos)
      << advise(small)[0].arithmetic;

  auto glorot = mlp(64, 8, 64, "relu", Initializer("glorot_uniform"));
  EXPECT_EQ(rules(glorot), V{"glorot-deep-relu"});
  // glorot: Var = 2/128; halved by the ReLU: 64 · (2/128) / 2 = 0.5.
  EXPECT_NE(advise(glorot)[0].arithmetic.find("64·0.0156/2 = 0.5; ×0.0039 over 8 layers"), std::string::npos)
      << advise(glorot)[0].arithmetic;
  // The input layer's fan differs from the hidden ones: each factor is told, and the
  // product runs over the actual layers: 784·(2/848)/2 = 0.925, then 0.5 nineteen times.
  auto wide_in = mlp(784, 20, 64, "relu", Initializer("glorot_uniform"), 10);
  const std::string wa = advise(wide_in)[0].arithmetic;
  EXPECT_NE(wa.find("'dense': 784·0.00236/2 = 0.925; 'dense_1' and 18 more: 64·0.0156/2 = 0.5"), std::string::npos)
      << wa;
  EXPECT_NE(wa.find(fmt::format("×{:.2g} over 20 layers", 0.5 * 784.0 * 2.0 / 848.0 * std::pow(0.5, 19))),
            std::string::npos)
      << wa;

  auto he_tanh = mlp(32, 2, 32, "tanh", Initializer("he_uniform"));
  EXPECT_EQ(rules(he_tanh), V{"he-saturating"});
  EXPECT_NE(advise(he_tanh)[0].arithmetic.find("= 2 "), std::string::npos) << advise(he_tanh)[0].arithmetic;

  auto seeded = mlp(16, 3, 16, "relu", Initializer("he_normal").with_seed(7));
  EXPECT_EQ(rules(seeded), V{"shared-seed"});
  EXPECT_EQ(advise(seeded)[0].layers, (V{"dense", "dense_1", "dense_2"}));  // the same shape (16, 16)

  auto deep = mlp(32, 30, 32, "relu", Initializer("he_normal"));
  EXPECT_EQ(rules(deep), V{"deep-unnormalized"});
  EXPECT_TRUE(rules(deep, {.lsuv = true}).empty());
}

TEST(Advisor, NoWarningOnSoundModels) {
  auto relu = mlp(784, 3, 128, "relu", Initializer("he_normal"), 10);
  EXPECT_TRUE(rules(relu).empty());
  auto tanh = mlp(20, 6, 64, "tanh", Initializer("glorot_uniform"));
  EXPECT_TRUE(rules(tanh).empty());
  // Deep but normalized.
  Sequential bn("bn");
  bn.add(Input(Shape{16}));
  for (int i = 0; i < 31; ++i) {
    bn.add(Dense(16, {.kernel_initializer = "he_normal"}));
    bn.add(BatchNormalization());
    bn.add(ActivationLayer("relu"));
  }
  bn.add(Dense(2));
  EXPECT_TRUE(rules(bn).empty());
  // The summary lists the warnings (this test includes diag/advisor.hpp).
  auto glorot = mlp(64, 8, 64, "relu", Initializer("glorot_uniform"));
  EXPECT_NE(glorot.summary().find("warning [glorot-deep-relu]"), std::string::npos);
  EXPECT_NE(relu.summary().find("Init advisor: no warnings."), std::string::npos);
}

}  // namespace
}  // namespace initlab
