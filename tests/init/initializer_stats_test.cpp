// Every initializer, on the shapes people use: sample moments inside bands of
// five standard errors of the estimator, exact support bounds.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "initlab/core/error.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/init/initializer.hpp"
#include "initlab/init/registry.hpp"

namespace initlab {
namespace {

const std::vector<Shape>& test_shapes() {
  static const std::vector<Shape> shapes = {Shape{784, 64}, Shape{64, 10},  Shape{3, 3, 16, 32}, Shape{5, 5, 1, 8},
                                            Shape{1000, 1000}, Shape{7}, Shape{}, Shape{1}};
  return shapes;
}

Initializer with_defaults(const InitializerInfo& e) {
  if (e.id == "sparse") return Initializer::from_config({{"class_name", "Sparse"}, {"config", {{"sparsity", 0.3}}}});
  return Initializer(e.id);
}

// Kurtosis bound used for the variance band: μ4/σ⁴ <= 3 for the normal,
// truncated-normal and uniform families; a sparse mixture keeps fraction k
// of a normal, so μ4/σ⁴ = 3/k.
double kurtosis(const Initializer& init, const Shape& shape) {
  if (init.id() == "sparse") {
    const double rows = static_cast<double>(shape[0]);
    const double keep = 1.0 - std::ceil(0.3 * rows) / rows;
    return 3.0 / keep;
  }
  return 3.0;
}

struct Moments {
  double mean, var_about_true_mean;
};

Moments moments(const Tensor& t, double true_mean) {
  double s = 0, s2 = 0;
  for (float x : t.values()) {
    s += x;
    s2 += (x - true_mean) * (x - true_mean);
  }
  const auto n = static_cast<double>(t.size());
  return {s / n, s2 / n};
}

TEST(InitializerStatistics, EveryInitializerMatchesItsTheoryOnEveryShape) {
  set_seed(1234);
  int checked = 0;
  for (const auto& e : initializer_catalogue()) {
    const Initializer init = with_defaults(e);
    for (const Shape& shape : test_shapes()) {
      Theory th;
      try {
        th = init.theory(shape);
      } catch (const ShapeError&) {
        // Rank rules (identity needs 2-D, dirac a conv kernel…) are tested in the exact tests.
        EXPECT_THROW(init(shape, "stats/kernel"), ShapeError) << e.id << " " << shape.str();
        continue;
      }
      const Tensor t = init(shape, "stats/kernel");
      ++checked;
      const std::string where = e.id + " on " + shape.str();
      if (th.lo) {
        for (float x : t.values()) {
          ASSERT_GE(x, static_cast<float>(*th.lo) - 1e-7f * std::fabs(static_cast<float>(*th.lo))) << where;
          ASSERT_LE(x, static_cast<float>(*th.hi) + 1e-7f * std::fabs(static_cast<float>(*th.hi))) << where;
        }
      }
      const auto n = static_cast<double>(t.size());
      const Moments m = moments(t, th.mean);
      if (!th.random) {
        EXPECT_NEAR(m.mean, th.mean, 1e-6) << where;
        EXPECT_NEAR(std::sqrt(m.var_about_true_mean - (m.mean - th.mean) * (m.mean - th.mean)), th.stddev, 1e-5)
            << where;
        continue;
      }
      const double var = th.stddev * th.stddev;
      const double se_mean = th.stddev / std::sqrt(n);
      const double se_var = var * std::sqrt((kurtosis(init, shape) - 1.0) / n);
      EXPECT_NEAR(m.mean, th.mean, 5 * se_mean + 1e-7) << where;
      EXPECT_NEAR(m.var_about_true_mean, var, 5 * se_var + 1e-12) << where;
    }
  }
  EXPECT_GT(checked, 150);
}

// The realised std of every variance_scaling variant is √(scale/n), whichever
// distribution draws it (Keras's truncation correction included).
TEST(InitializerStatistics, VarianceScalingRealisesScaleOverFan) {
  set_seed(99);
  const Shape shape{3, 3, 64, 128};  // fan_in 576, fan_out 1152
  const double fan_in = 576, fan_out = 1152;
  for (const char* dist : {"uniform", "truncated_normal", "untruncated_normal", "normal"}) {
    for (const char* mode : {"fan_in", "fan_out", "fan_avg"}) {
      for (double scale : {0.5, 1.0, 2.0}) {
        const Initializer init = Initializer::from_config(
            {{"class_name", "VarianceScaling"}, {"config", {{"scale", scale}, {"mode", mode}, {"distribution", dist}}}});
        const double n = std::string(mode) == "fan_in"    ? fan_in
                         : std::string(mode) == "fan_out" ? fan_out
                                                          : (fan_in + fan_out) / 2;
        const double target = scale / n;
        const Tensor t = init(shape, "vs/kernel");
        const Moments m = moments(t, 0.0);
        const double se = target * std::sqrt(2.0 / static_cast<double>(t.size()));
        EXPECT_NEAR(m.var_about_true_mean, target, 5 * se) << dist << " " << mode << " " << scale;
        EXPECT_NEAR(init.theory(shape).stddev, std::sqrt(target), 1e-12) << dist << " " << mode;
        if (std::string(dist) == "uniform") {
          const auto limit = static_cast<float>(std::sqrt(3 * target));
          for (float x : t.values()) ASSERT_TRUE(x >= -limit && x < limit);
        } else if (std::string(dist) != "untruncated_normal") {
          const auto cut = static_cast<float>(2 * std::sqrt(target) / 0.87962566103423978);
          for (float x : t.values()) ASSERT_LE(std::fabs(x), cut * (1 + 1e-6f));
        }
      }
    }
  }
}

// The named forms are exactly the documented variance-scaling settings.
TEST(InitializerStatistics, NamedFormsHaveTheirVariance) {
  const Shape shape{784, 64};
  const double fi = 784, fo = 64;
  const std::vector<std::pair<std::string, double>> expected = {
      {"glorot_uniform", 2 / (fi + fo)}, {"glorot_normal", 2 / (fi + fo)}, {"he_uniform", 2 / fi},
      {"he_normal", 2 / fi},             {"lecun_uniform", 1 / fi},        {"lecun_normal", 1 / fi},
      {"kaiming_uniform", 2 / fi},       {"kaiming_normal", 2 / fi},       {"xavier_uniform", 2 / (fi + fo)},
      {"xavier_normal", 2 / (fi + fo)},  {"torch_default", 1 / (3 * fi)}};
  for (const auto& [id, var] : expected) {
    EXPECT_NEAR(Initializer(id).theory(shape).stddev, std::sqrt(var), 1e-12) << id;
  }
  // PyTorch's Linear default: kaiming_uniform(a=√5) is the same distribution.
  const auto k5 = Initializer::from_config({{"class_name", "KaimingUniform"}, {"config", {{"a", std::sqrt(5.0)}}}});
  EXPECT_NEAR(k5.theory(shape).stddev, std::sqrt(1 / (3 * fi)), 1e-12);
  EXPECT_NEAR(k5.theory(shape).hi.value(), 1 / std::sqrt(fi), 1e-12);
  // Keras's plain TruncatedNormal has no correction: std = 0.8796·stddev.
  EXPECT_NEAR(Initializer("truncated_normal").theory(shape).stddev, 0.05 * 0.87962566103423978, 1e-12);
}

TEST(InitializerStatistics, DescribeStatesDistributionParametersAndVariance) {
  EXPECT_EQ(Initializer("he_normal").describe(Shape{784, 64}),
            "he_normal (784, 64): truncated normal σ=0.0574 cut at ±0.1148 → std 0.0505 (Var = 2/784)");
  EXPECT_EQ(Initializer("glorot_uniform").describe(Shape{784, 64}),
            "glorot_uniform (784, 64): uniform on [−0.0841, 0.0841) → std 0.0486 (Var = 1/424)");
  EXPECT_EQ(Initializer("zeros").describe(Shape{3}), "zeros (3,): constant 0 → mean 0, std 0");
}

}  // namespace
}  // namespace initlab
