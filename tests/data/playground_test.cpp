#include "initlab/data/playground.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "initlab/core/error.hpp"

namespace initlab {
namespace {

PlaygroundSet all_points(const PlaygroundData& d) {
  const int64_t n = d.train.x.dim(0) + d.test.x.dim(0);
  PlaygroundSet s{Tensor(Shape{n, 2}), Tensor(Shape{n, 1})};
  std::memcpy(s.x.data(), d.train.x.data(), 4 * d.train.x.size());
  std::memcpy(s.x.data() + d.train.x.size(), d.test.x.data(), 4 * d.test.x.size());
  std::memcpy(s.y.data(), d.train.y.data(), 4 * d.train.y.size());
  std::memcpy(s.y.data() + d.train.y.size(), d.test.y.data(), 4 * d.test.y.size());
  return s;
}

TEST(Playground, CountsSplitsAndRanges) {
  for (const auto& name : playground_dataset_names()) {
    const auto d = playground_dataset(name, {.seed = 3});
    const int64_t n = d.train.x.dim(0) + d.test.x.dim(0);
    EXPECT_EQ(n, d.classification ? 500 : 1200) << name;
    EXPECT_EQ(d.train.x.dim(0), n / 2) << name;
    const PlaygroundSet pts = all_points(d);
    for (float v : pts.y.values()) {
      if (d.classification) {
        ASSERT_TRUE(v == 1.0f || v == -1.0f) << name;
      } else {
        // reg-gauss lies in [−1, 1]; reg-plane's (x + y)/10 reaches ±1.2 at the corners (no clamp, as Playground).
        const float bound = name == "reg-plane" ? 1.2f : 1.0f;
        ASSERT_TRUE(v >= -bound && v <= bound) << name << " " << v;
      }
    }
  }
  EXPECT_THROW(playground_dataset("moons"), ValueError);
  EXPECT_THROW(playground_dataset("circle", {.noise = 2}), ValueError);
}

TEST(Playground, NoiseFreeLabelsFollowTheRules) {
  const auto c = all_points(playground_dataset("circle", {.seed = 1}));
  for (int64_t i = 0; i < c.x.dim(0); ++i) {
    const double r = std::hypot(c.x.at({i, 0}), c.x.at({i, 1}));
    ASSERT_EQ(c.y[i], r < 2.5 ? 1.0f : -1.0f);
    ASSERT_TRUE(r < 2.5 || (r >= 3.5 && r <= 5.0)) << r;
  }
  const auto x = all_points(playground_dataset("xor", {.seed = 1}));
  for (int64_t i = 0; i < x.x.dim(0); ++i) {
    ASSERT_GE(std::fabs(x.x.at({i, 0})), 0.3f);
    ASSERT_EQ(x.y[i], x.x.at({i, 0}) * x.x.at({i, 1}) >= 0 ? 1.0f : -1.0f);
  }
  const auto p = all_points(playground_dataset("reg-plane", {.seed = 1}));
  for (int64_t i = 0; i < p.x.dim(0); ++i) ASSERT_NEAR(p.y[i], (p.x.at({i, 0}) + p.x.at({i, 1})) / 10, 1e-6);
  const auto g = all_points(playground_dataset("reg-gauss", {.seed = 1}));
  // At a bump's centre the target is its sign; far from all bumps it is 0.
  bool saw_positive = false, saw_negative = false;
  for (float v : g.y.values()) saw_positive |= v > 0.9f, saw_negative |= v < -0.9f;
  EXPECT_TRUE(saw_positive && saw_negative);
}

TEST(Playground, GaussVarianceFollowsNoiseAndSpiralArmsAreAntipodal) {
  for (double noise : {0.0, 0.5}) {
    const auto g = all_points(playground_dataset("gauss", {.noise = noise, .seed = 2}));
    double sum = 0, sq = 0;
    int64_t n = 0;
    for (int64_t i = 0; i < g.x.dim(0); ++i) {
      if (g.y[i] > 0) {
        sum += g.x.at({i, 0});
        sq += g.x.at({i, 0}) * g.x.at({i, 0});
        ++n;
      }
    }
    const double mean = sum / n, var = sq / n - mean * mean;
    const double expected = 0.5 + 7 * noise;
    EXPECT_NEAR(mean, 2.0, 5 * std::sqrt(expected / n));
    EXPECT_NEAR(var, expected, 5 * expected * std::sqrt(2.0 / n));
  }
  const auto s = all_points(playground_dataset("spiral", {.seed = 2}));
  for (int64_t i = 0; i < s.x.dim(0); ++i) ASSERT_LE(std::hypot(s.x.at({i, 0}), s.x.at({i, 1})), 5.0 + 1e-5);
}

TEST(Playground, SameSeedSameData) {
  const auto a = playground_dataset("spiral", {.noise = 0.2, .seed = 9});
  const auto b = playground_dataset("spiral", {.noise = 0.2, .seed = 9});
  const auto c = playground_dataset("spiral", {.noise = 0.2, .seed = 10});
  EXPECT_EQ(std::memcmp(a.train.x.data(), b.train.x.data(), 4 * a.train.x.size()), 0);
  EXPECT_NE(std::memcmp(a.train.x.data(), c.train.x.data(), 4 * a.train.x.size()), 0);
}

}  // namespace
}  // namespace initlab
