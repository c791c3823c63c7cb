// Weight forensics: the KS arithmetic by hand, the statistics' honesty (the
// false-alarm rate of fresh tensors against a binomial band, and the power on
// kernels trained by SGD), bit-identical replay, layouts, and the verdicts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "initlab/core/seed.hpp"
#include "initlab/data/playground.hpp"
#include "initlab/diag/ks_test.hpp"
#include "initlab/diag/weight_forensics.hpp"
#include "initlab/init/initializer.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {
namespace {

// A tensor as initlab's unseeded `init` fills the variable `name` under global seed `seed`.
Tensor fresh(const std::string& init, const Shape& shape, uint64_t seed, const std::string& name = "w/kernel") {
  Tensor t(shape);
  Initializer(init).fill(t, InitContext{name, std::nullopt, seed});
  return t;
}

ForensicTensor keras(std::string name, Tensor t) { return {std::move(name), std::move(t), "float32", WeightLayout::kKeras}; }

bool consistent_with(const TensorReport& r, const std::string& family) {
  for (const InitMatch* m : r.consistent()) {
    if (m->initializer == family) return true;
  }
  return false;
}

const InitMatch& test_of(const TensorReport& r, const std::string& family) {
  for (const auto& m : r.tests) {
    if (m.initializer == family) return m;
  }
  throw std::runtime_error("no test of " + family);
}

TEST(KsTest, StatisticOfAHandSample) {
  // U(0, 1), sample {0.1, 0.5, 0.9}: D = max(0.1, 1/3 − 0.1, 0.5 − 1/3, 2/3 − 0.5, 0.9 − 2/3, 1 − 0.9) = 0.2333…
  const std::vector<double> s{0.1, 0.5, 0.9};
  const KsResult r = ks_test_sorted(s, [](double x) { return x; });
  EXPECT_NEAR(r.statistic, 1.0 / 3.0 - 0.1, 1e-12);
  EXPECT_EQ(r.n, 3);
}

TEST(KsTest, PValueMatchesKolmogorovsQuantiles) {
  // Kolmogorov's distribution: Q(1.3581) = 0.05, Q(1.6276) = 0.01, Q(0.8276) = 0.5 (tabulated).
  const int64_t n = 1000000;
  const double sn = std::sqrt(static_cast<double>(n)) + 0.12 + 0.11 / std::sqrt(static_cast<double>(n));
  EXPECT_NEAR(ks_p_value(1.3581 / sn, n), 0.05, 2e-4);
  EXPECT_NEAR(ks_p_value(1.6276 / sn, n), 0.01, 1e-4);
  EXPECT_NEAR(ks_p_value(0.8276 / sn, n), 0.5, 1e-3);
  EXPECT_EQ(ks_p_value(0, 10), 1.0);
  EXPECT_EQ(ks_p_value(1.0, 10), 0.0);
  // Both branches of the series agree where they meet (λ = 1.18).
  EXPECT_NEAR(ks_p_value(1.179999 / sn, n), ks_p_value(1.180001 / sn, n), 1e-5);
}

TEST(WeightForensics, StatisticsCountEveryKind) {
  const float denormal = std::numeric_limits<float>::denorm_min() * 8;
  Tensor t(Shape{7}, {1.0f, -1.0f, 0.0f, std::nanf(""), std::numeric_limits<float>::infinity(), denormal, 3.0f});
  const TensorStats s = tensor_stats(t);
  EXPECT_EQ(s.count, 7);
  EXPECT_EQ(s.nan, 1);
  EXPECT_EQ(s.inf, 1);
  EXPECT_EQ(s.zeros, 1);
  EXPECT_EQ(s.denormal, 1);
  // Finite values {1, −1, 0, d, 3}: mean 0.6 (d negligible), population variance (0.16+2.56+0.36+0.36+5.76)/5 = 1.84.
  EXPECT_NEAR(s.mean, 0.6, 1e-12);
  EXPECT_NEAR(s.stddev, std::sqrt(1.84), 1e-9);
  EXPECT_EQ(s.min, -1.0);
  EXPECT_EQ(s.max, 3.0);
}

TEST(WeightForensics, GlorotUniformBoundInTheVerdict) {
  // glorot_uniform (784, 64): limit √(6/848) = 0.08412.
  const auto r = analyze_tensor(keras("d/kernel", fresh("glorot_uniform", Shape{784, 64}, 5)), {.search_seeds = false});
  ASSERT_TRUE(consistent_with(r, "glorot_uniform"));
  EXPECT_NE(test_of(r, "glorot_uniform").str().find("consistent with glorot_uniform for fans (784, 64): bounds ±0.0841"),
            std::string::npos)
      << test_of(r, "glorot_uniform").str();
  EXPECT_EQ(r.state, TensorState::kInitial);
  // he_uniform's bound √(6/784) = 0.0875 holds every value too, but the KS test sees the narrower spread.
  EXPECT_FALSE(consistent_with(r, "he_uniform"));
  // A wider family's bound is broken: random_uniform ±0.05.
  EXPECT_EQ(test_of(r, "random_uniform").test, "bound");
}

TEST(WeightForensics, TruncatedAndUntruncatedNormalsAreTold) {
  // Same variance 2/fan_in, different tails: Keras he_normal (cut at ±2σ) vs PyTorch kaiming_normal.
  const auto he = analyze_tensor(keras("d/kernel", fresh("he_normal", Shape{512, 256}, 3)), {.search_seeds = false});
  EXPECT_TRUE(consistent_with(he, "he_normal"));
  EXPECT_FALSE(consistent_with(he, "kaiming_normal"));
  const auto kaiming =
      analyze_tensor(keras("d/kernel", fresh("kaiming_normal", Shape{512, 256}, 3)), {.search_seeds = false});
  EXPECT_TRUE(consistent_with(kaiming, "kaiming_normal"));
  EXPECT_FALSE(consistent_with(kaiming, "he_normal"));
  EXPECT_EQ(test_of(kaiming, "he_normal").test, "bound");  // untruncated values lie beyond ±2σ
}

// The false-alarm rate: fresh tensors of several shapes and families, each with
// its own seed, tested at α = 0.01 against their own family. Rejections ~
// Binomial(200, 0.01): mean 2; P(X >= 8) = 0.0011.
TEST(WeightForensics, FalseAlarmRateOfFreshTensorsIsAlpha) {
  const std::vector<std::pair<std::string, Shape>> cases = {
      {"glorot_uniform", Shape{64, 32}},     {"he_normal", Shape{300, 100}},      {"lecun_normal", Shape{3, 3, 8, 16}},
      {"xavier_normal", Shape{1000, 10}},    {"torch_default", Shape{128, 64}},   {"kaiming_normal", Shape{5, 5, 3, 32}},
      {"random_normal", Shape{40, 40}},      {"truncated_normal", Shape{200, 7}}, {"lecun_uniform", Shape{16, 16}},
      {"he_uniform", Shape{3, 3, 16, 16}}};
  int rejected = 0, tested = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    for (const auto& [family, shape] : cases) {
      const auto r = analyze_tensor(keras("x/kernel", fresh(family, shape, 1000 + seed)),
                                    {.alpha = 0.01, .search_seeds = false});
      rejected += consistent_with(r, family) ? 0 : 1;
      ++tested;
    }
  }
  EXPECT_EQ(tested, 200);
  std::printf("fresh tensors rejected at alpha 0.01: %d of %d\n", rejected, tested);
  EXPECT_LE(rejected, 7) << rejected << " of 200 fresh tensors rejected at alpha 0.01";
}

// Same, at α = 0.05 where a too-conservative test shows too: Binomial(200, 0.05),
// mean 10, P(X <= 2) = 0.0023, P(X >= 20) = 0.0036.
TEST(WeightForensics, FalseAlarmRateIsNotConservative) {
  int rejected = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const std::string family = seed % 2 == 0 ? "glorot_normal" : "torch_default";
    const auto r = analyze_tensor(keras("x/kernel", fresh(family, Shape{50, 20}, 77 + seed)),
                                  {.alpha = 0.05, .search_seeds = false});
    rejected += consistent_with(r, family) ? 0 : 1;
  }
  std::printf("fresh tensors rejected at alpha 0.05: %d of 200\n", rejected);
  EXPECT_GE(rejected, 3);
  EXPECT_LE(rejected, 19);
}

// Power: a 2-64-64-1 ReLU net trained 320 SGD steps on Playground's spiral.
TEST(WeightForensics, TrainedKernelsMatchNoInitializer) {
  set_seed(7);  // the initial kernels and the shuffling
  PlaygroundData data = playground_dataset("spiral", {.noise = 0.0, .seed = 1});
  Sequential m("net");
  m.add(Input(Shape{2}));
  m.add(Dense(64, {.activation = "relu", .name = "h1"}));
  m.add(Dense(64, {.activation = "relu", .name = "h2"}));
  m.add(Dense(1, {.name = "out"}));
  m.compile(SGD({.learning_rate = 0.05, .momentum = 0.9}), "mse");
  std::vector<ForensicTensor> before, after;
  for (Variable* v : m.variables()) before.push_back(keras(v->name(), v->value().clone()));
  m.fit(data.train.x, data.train.y, {.batch_size = 16, .epochs = 20, .verbose = Verbosity::kSilent});  // 16 × 20 steps
  for (Variable* v : m.variables()) after.push_back(keras(v->name(), v->value().clone()));

  const auto fresh_rep = analyze_weights(before);
  EXPECT_EQ(fresh_rep.verdict, FileVerdict::kUntrained) << fresh_rep.verdict_line;
  const auto trained = analyze_weights(after);
  for (const auto& r : trained.tensors) std::printf("trained %s: %s\n", r.name.c_str(), r.verdict.c_str());
  for (const auto& r : trained.tensors) {
    if (r.name == "h2/kernel") {
      EXPECT_EQ(r.state, TensorState::kMoved) << r.verdict;
      EXPECT_NE(r.verdict.find("matches no initializer (p < 1e-06)"), std::string::npos) << r.verdict;
    }
    if (r.name == "h1/bias" || r.name == "h2/bias") EXPECT_EQ(r.state, TensorState::kMoved) << r.verdict;
  }
  // h1/kernel has 128 values that may still fit some family; its bias moved, so it was trained.
  EXPECT_EQ(trained.verdict, FileVerdict::kTrained) << trained.verdict_line;
}

// A kernel whose values still fit a family is judged with its layer: when its
// bias moved, the kernel took gradient steps too; when both are untouched (a
// frozen layer) both are initial.
TEST(WeightForensics, AKernelIsJudgedWithItsBias) {
  std::vector<float> b(32);
  for (size_t i = 0; i < b.size(); ++i) b[i] = 0.3f + 0.01f * static_cast<float>(i);
  Tensor bias(Shape{32}, b);
  const auto r = analyze_weights({keras("d/kernel", fresh("he_normal", Shape{4, 32}, 5, "d/kernel")),
                                  keras("d/bias", bias)},
                                 {.search_seeds = false});
  ASSERT_EQ(r.tensors[1].state, TensorState::kMoved) << r.tensors[1].verdict;
  EXPECT_EQ(r.tensors[0].state, TensorState::kMoved) << r.tensors[0].verdict;
  EXPECT_NE(r.tensors[0].verdict.find("trained with its layer: d/bias moved from its initializer"), std::string::npos)
      << r.tensors[0].verdict;
  ASSERT_FALSE(r.tensors[0].notes.empty());
  EXPECT_EQ(r.tensors[0].notes[0].rfind("by its values alone: consistent with ", 0), 0u)
      << r.tensors[0].notes[0];
  // (the note keeps what the values alone said)
  EXPECT_EQ(r.verdict, FileVerdict::kTrained) << r.verdict_line;
}

TEST(WeightForensics, BitIdenticalWeightsNameSeedAndVariable) {
  const auto r = analyze_tensor(keras("model.weights/3", fresh("glorot_uniform", Shape{784, 64}, 1234, "layer1/kernel")));
  ASSERT_TRUE(r.exact.has_value()) << r.verdict;
  EXPECT_EQ(r.exact->initializer, "glorot_uniform");
  EXPECT_EQ(r.exact->seed, 1234u);
  EXPECT_EQ(r.exact->name, "layer1/kernel");
  EXPECT_EQ(r.verdict, "the untrained initial weights: glorot_uniform, seed 1234, 'layer1/kernel'");

  // Keras-style explicit seed: the stream (42, 0), whatever the variable is called.
  Tensor s(Shape{100, 30});
  Initializer("he_normal").with_seed(42).fill(s, "anything");
  const auto e = analyze_tensor(keras("dense_1/kernel", s));
  ASSERT_TRUE(e.exact.has_value()) << e.verdict;
  EXPECT_TRUE(e.exact->explicit_seed);
  EXPECT_EQ(e.exact->seed, 42u);

  // A seed from the file's metadata, and one changed value: consistent, no longer identical.
  Tensor t = fresh("lecun_normal", Shape{64, 64}, 987654321, "dense_2/kernel");
  EXPECT_TRUE(analyze_tensor(keras("dense_2/kernel", t), {.extra_seeds = {987654321}}).exact.has_value());
  t[100] = t[101];
  const auto changed = analyze_tensor(keras("dense_2/kernel", t), {.extra_seeds = {987654321}});
  EXPECT_FALSE(changed.exact.has_value());
  EXPECT_EQ(changed.state, TensorState::kInitial);
}

TEST(WeightForensics, PyTorchLayoutGivesTheFans) {
  // kaiming_normal on Keras (in 100, out 20), stored as PyTorch's (out, in).
  const Tensor k = fresh("kaiming_normal", Shape{100, 20}, 9);
  Tensor pt(Shape{20, 100});
  for (int64_t i = 0; i < 100; ++i) {
    for (int64_t o = 0; o < 20; ++o) pt[o * 100 + i] = k[i * 20 + o];
  }
  const auto right = analyze_tensor({"0.weight", pt, "float32", WeightLayout::kPyTorch}, {.search_seeds = false});
  EXPECT_TRUE(consistent_with(right, "kaiming_normal")) << right.verdict;
  EXPECT_EQ(right.fans, (Fans{100, 20}));
  const auto wrong = analyze_tensor({"0.weight", pt, "float32", WeightLayout::kKeras}, {.search_seeds = false});
  EXPECT_FALSE(consistent_with(wrong, "kaiming_normal"));  // fan_in 20 gives a std √5 too large
  // The transposition back to Keras's layout is exact, so the replay still finds the seed.
  const auto replay = analyze_tensor({"0.weight", pt, "float32", WeightLayout::kPyTorch}, {.extra_names = {"w/kernel"}});
  ASSERT_TRUE(replay.exact.has_value());
  EXPECT_EQ(replay.exact->seed, 9u);
  EXPECT_EQ(layout_from_names({"0.weight", "0.bias"}), WeightLayout::kPyTorch);
  EXPECT_EQ(layout_from_names({"dense/kernel"}), WeightLayout::kKeras);
}

TEST(WeightForensics, ConvKernelToKerasLayout) {
  // PyTorch (out 2, in 3, kh 1, kw 2) → Keras (1, 2, 3, 2): k[0][s][i][o] = w[o][i][0][s].
  Tensor w(Shape{2, 3, 1, 2});
  for (int64_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(i);
  const Tensor k = to_keras_layout(w);
  EXPECT_EQ(k.shape(), (Shape{1, 2, 3, 2}));
  EXPECT_EQ(k.at({0, 1, 2, 1}), w.at({1, 2, 0, 1}));
  EXPECT_EQ(k.at({0, 0, 1, 0}), w.at({0, 1, 0, 0}));
}

TEST(WeightForensics, PyTorchBiasUsesItsKernelsFanIn) {
  // nn.Linear(200, 50): weight (50, 200) and bias (50,) both U(±1/√200).
  Tensor wk(Shape{200, 50}), b(Shape{50});
  Initializer("torch_default").fill(wk, InitContext{"fc/kernel", std::nullopt, 3});
  Initializer("torch_default").fill(b, InitContext{"fc/bias", Fans{200, 50}, 3});
  const auto rep = analyze_weights({{"fc.weight", to_keras_layout(wk), "float32", WeightLayout::kPyTorch},
                                    {"fc.bias", b, "float32", WeightLayout::kPyTorch}},
                                   {.search_seeds = false});
  // (to_keras_layout of a (200, 50) matrix is its transpose (50, 200): the PyTorch layout of the Keras kernel.)
  ASSERT_EQ(rep.tensors.size(), 2u);
  EXPECT_EQ(rep.tensors[1].role, "bias");
  EXPECT_EQ(rep.tensors[1].fans, (Fans{200, 50}));
  EXPECT_TRUE(consistent_with(rep.tensors[1], "torch_default")) << rep.tensors[1].verdict;
  EXPECT_NE(test_of(rep.tensors[1], "torch_default").detail.find("±0.0707"), std::string::npos);
}

TEST(WeightForensics, IdenticalUnitsAreNamed) {
  Tensor t = fresh("glorot_uniform", Shape{10, 8}, 4);
  for (int64_t r = 0; r < 10; ++r) t[r * 8 + 7] = t[r * 8 + 3];
  const auto r = analyze_tensor(keras("dense/kernel", t), {.search_seeds = false});
  ASSERT_EQ(r.identical_units.size(), 1u);
  EXPECT_EQ(r.identical_units[0], (std::vector<int64_t>{3, 7}));
  EXPECT_NE(std::find(r.notes.begin(), r.notes.end(), "units 3 and 7 of dense/kernel are identical"), r.notes.end());
  EXPECT_TRUE(r.identical_inputs.empty());
}

TEST(WeightForensics, OrthogonalIsRecognised) {
  const auto r = analyze_tensor(keras("rnn/kernel", fresh("orthogonal", Shape{128, 64}, 2)), {.search_seeds = false});
  ASSERT_NE(r.best(), nullptr);
  EXPECT_EQ(r.best()->initializer, "orthogonal");
  EXPECT_FALSE(test_of(analyze_tensor(keras("k", fresh("random_normal", Shape{128, 64}, 2)), {.search_seeds = false}),
                       "orthogonal")
                   .consistent);
}

TEST(WeightForensics, DamagedAndPartiallyTrainedFiles) {
  Tensor bad = fresh("glorot_uniform", Shape{20, 20}, 1);
  bad[5] = std::nanf("");
  const auto d = analyze_weights({keras("a/kernel", bad), keras("b/kernel", Tensor(Shape{20, 20}, 0.0f))});
  EXPECT_EQ(d.verdict, FileVerdict::kDamaged);
  EXPECT_EQ(d.damaged, (std::vector<std::string>{"a/kernel", "b/kernel"}));
  EXPECT_NE(d.tensors[1].verdict.find("all zeros"), std::string::npos);

  // One fresh kernel with its zero bias, one kernel whose values were scaled ×3 (no family's distribution).
  Tensor moved = fresh("glorot_uniform", Shape{100, 50}, 2, "b/kernel");
  for (float& v : moved.values()) v *= 3.0f;
  const auto p = analyze_weights({keras("a/kernel", fresh("he_normal", Shape{100, 50}, 2, "a/kernel")),
                                  keras("a/bias", Tensor(Shape{50}, 0.0f)), keras("b/kernel", moved)});
  EXPECT_EQ(p.verdict, FileVerdict::kPartiallyTrained) << p.verdict_line;
  EXPECT_EQ(p.never_moved, (std::vector<std::string>{"a/kernel", "a/bias"}));
  EXPECT_EQ(p.tensors[1].verdict.substr(0, 6), "zeros:");
  EXPECT_EQ(p.tensors[2].state, TensorState::kMoved);
}

}  // namespace
}  // namespace initlab
