// Deterministic structure: orthogonality, identity, eye, dirac, sparse zero
// counts, delta-orthogonal, fans and gains.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "initlab/core/error.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/init/fans.hpp"
#include "initlab/init/gain.hpp"
#include "initlab/init/initializer.hpp"

namespace initlab {
namespace {

// max |GᵀG − g²I| over the Gram matrix of the columns (or rows when wide).
double orthogonality_error(const Tensor& t, double gain) {
  const int64_t cols = t.dim(-1), rows = t.size() / cols;
  const bool tall = rows >= cols;
  const int64_t k = tall ? cols : rows, len = tall ? rows : cols;
  auto at = [&](int64_t vec, int64_t i) { return tall ? t[i * cols + vec] : t[vec * cols + i]; };
  double worst = 0;
  for (int64_t a = 0; a < k; ++a) {
    for (int64_t b = a; b < k; ++b) {
      double dot = 0;
      for (int64_t i = 0; i < len; ++i) dot += static_cast<double>(at(a, i)) * at(b, i);
      worst = std::max(worst, std::fabs(dot - (a == b ? gain * gain : 0.0)));
    }
  }
  return worst;
}

TEST(Orthogonal, TallWideSquareAndConvShapesAreOrthonormal) {
  set_seed(7);
  for (const Shape& s : {Shape{784, 64}, Shape{64, 784}, Shape{200, 200}, Shape{3, 3, 16, 32}, Shape{1, 1, 16, 64},
                         Shape{5, 5, 1, 8}}) {
    for (double gain : {1.0, 1.5}) {
      const auto init = Initializer::from_config({{"class_name", "Orthogonal"}, {"config", {{"gain", gain}}}});
      const Tensor t = init(s, "orth/kernel");
      EXPECT_LT(orthogonality_error(t, gain), 1e-5 * gain * gain) << s.str() << " gain " << gain;
    }
  }
}

TEST(Orthogonal, RejectsRankBelowTwo) {
  EXPECT_THROW(Initializer("orthogonal")(Shape{7}), ShapeError);
}

TEST(Orthogonal, DeltaOrthogonalHasAnOrthogonalCentreTapAndZerosElsewhere) {
  set_seed(3);
  const Shape s{3, 3, 16, 32};
  const Tensor t = Initializer("delta_orthogonal")(s, "delta/kernel");
  const int64_t in = 16, out = 32;
  for (int64_t y = 0; y < 3; ++y) {
    for (int64_t x = 0; x < 3; ++x) {
      const float* tap = t.data() + (y * 3 + x) * in * out;
      if (y == 1 && x == 1) {
        Tensor centre(Shape{in, out}, std::span<const float>(tap, static_cast<size_t>(in * out)));
        EXPECT_LT(orthogonality_error(centre, 1.0), 1e-5);
      } else {
        for (int64_t i = 0; i < in * out; ++i) ASSERT_EQ(tap[i], 0.0f);
      }
    }
  }
  // Even kernels: JAX's centre (k−1)//2.
  const Tensor e = Initializer("delta_orthogonal")(Shape{2, 2, 4, 4}, "delta/even");
  for (int64_t i = 0; i < 16; ++i) EXPECT_EQ(e[16 * 1 + i], 0.0f);
  EXPECT_THROW(Initializer("delta_orthogonal")(Shape{3, 3, 32, 16}), ShapeError);
}

TEST(ExactInitializers, IdentityAndEyeAreExact) {
  const auto id = Initializer::from_config({{"class_name", "Identity"}, {"config", {{"gain", 2.5}}}});
  for (const Shape& s : {Shape{4, 4}, Shape{3, 5}, Shape{5, 3}}) {
    const Tensor t = id(s);
    const Tensor e = Initializer("eye")(s);
    for (int64_t r = 0; r < s[0]; ++r) {
      for (int64_t c = 0; c < s[1]; ++c) {
        EXPECT_EQ(t.at({r, c}), r == c ? 2.5f : 0.0f);
        EXPECT_EQ(e.at({r, c}), r == c ? 1.0f : 0.0f);
      }
    }
  }
  EXPECT_THROW(Initializer("identity")(Shape{3, 3, 3}), ShapeError);
  EXPECT_THROW(Initializer("eye")(Shape{3}), ShapeError);
}

TEST(ExactInitializers, DiracPassesEachInputChannelThroughTheCentreTap) {
  // (kh, kw, in, out) = (3, 3, 2, 4), groups 2: out/groups = 2, min(2, in) = 2 per group.
  const auto d = Initializer::from_config({{"class_name", "Dirac"}, {"config", {{"groups", 2}}}});
  const Tensor t = d(Shape{3, 3, 2, 4});
  for (int64_t y = 0; y < 3; ++y)
    for (int64_t x = 0; x < 3; ++x)
      for (int64_t i = 0; i < 2; ++i)
        for (int64_t o = 0; o < 4; ++o) {
          const bool one = y == 1 && x == 1 && (o == i || o == 2 + i);
          EXPECT_EQ(t.at({y, x, i, o}), one ? 1.0f : 0.0f) << y << x << i << o;
        }
  // Even kernel: PyTorch's centre k//2.
  const Tensor e = Initializer("dirac")(Shape{2, 2, 1, 1});
  EXPECT_EQ(e.at({1, 1, 0, 0}), 1.0f);
  EXPECT_EQ(e.at({0, 0, 0, 0}), 0.0f);
  EXPECT_THROW(d(Shape{3, 3, 2, 3}), ShapeError);  // 3 outputs, 2 groups
  EXPECT_THROW(Initializer("dirac")(Shape{4, 4}), ShapeError);
}

TEST(ExactInitializers, SparseZerosExactlyCeilSparsityRowsPerColumn) {
  set_seed(11);
  for (double sparsity : {0.0, 0.1, 0.33, 0.9, 1.0}) {
    const auto init = Initializer::from_config({{"class_name", "Sparse"}, {"config", {{"sparsity", sparsity}, {"std", 0.5}}}});
    const Tensor t = init(Shape{101, 37}, "sparse/kernel");
    const auto expect = static_cast<int>(std::ceil(sparsity * 101));
    for (int64_t c = 0; c < 37; ++c) {
      int zeros = 0;
      for (int64_t r = 0; r < 101; ++r) zeros += t.at({r, c}) == 0.0f;
      EXPECT_EQ(zeros, expect) << "sparsity " << sparsity << " column " << c;
    }
  }
  EXPECT_THROW(Initializer("sparse"), ConfigError);  // sparsity is required, as in PyTorch
}

TEST(ExactInitializers, ConstantsAreConstant) {
  const Tensor z = Initializer("zeros")(Shape{3, 4});
  const Tensor o = Initializer("ones")(Shape{3, 4});
  const Tensor c = Initializer::from_config({{"class_name", "Constant"}, {"config", {{"value", -0.25}}}})(Shape{5});
  for (float x : z.values()) EXPECT_EQ(x, 0.0f);
  for (float x : o.values()) EXPECT_EQ(x, 1.0f);
  for (float x : c.values()) EXPECT_EQ(x, -0.25f);
}

TEST(Fans, KerasRankRule) {
  EXPECT_EQ(compute_fans(Shape{}), (Fans{1, 1}));
  EXPECT_EQ(compute_fans(Shape{7}), (Fans{7, 7}));
  EXPECT_EQ(compute_fans(Shape{784, 64}), (Fans{784, 64}));
  EXPECT_EQ(compute_fans(Shape{3, 3, 16, 32}), (Fans{144, 288}));
  EXPECT_EQ(compute_fans(Shape{5, 5, 1, 8}), (Fans{25, 200}));
  EXPECT_EQ(compute_fans(Shape{4, 3, 5}), (Fans{12, 20}));
  EXPECT_EQ(compute_fans(Shape{2, 3, 3, 3, 4, 5}), (Fans{216, 270}));
}

TEST(Fans, ExplicitAxes) {
  const std::vector<int> in{0}, out{1, 2};
  EXPECT_EQ(compute_fans(Shape{512, 8, 64}, in, out), (Fans{512, 512}));
  const std::vector<int> bad{3}, twice{0};
  EXPECT_THROW(compute_fans(Shape{512, 8, 64}, bad, out), ValueError);
  EXPECT_THROW(compute_fans(Shape{512, 8, 64}, in, twice), ValueError);
  // And the initializer uses them: glorot_uniform on (512, 8, 64) with axes → limit √(6/1024).
  const auto g = Initializer::from_config(
      {{"class_name", "GlorotUniform"}, {"config", {{"input_axes", {0}}, {"output_axes", {1, 2}}}}});
  EXPECT_NEAR(g.theory(Shape{512, 8, 64}).hi.value(), std::sqrt(6.0 / 1024), 1e-12);
  EXPECT_NEAR(Initializer("glorot_uniform").theory(Shape{512, 8, 64}).hi.value(), std::sqrt(6.0 / (4096 + 32768)),
              1e-12);
}

TEST(Fans, TorchDefaultBiasUsesTheLayersFanIn) {
  set_seed(5);
  Tensor bias(Shape{64});
  Initializer("torch_default").fill(bias, InitContext{"dense/bias", Fans{784, 64}});
  const float bound = 1.0f / std::sqrt(784.0f);
  float biggest = 0;
  for (float x : bias.values()) {
    ASSERT_LT(std::fabs(x), bound);
    biggest = std::max(biggest, std::fabs(x));
  }
  EXPECT_GT(biggest, bound / 2);  // 64 draws: the largest is near the bound
}

TEST(Gain, MatchesPyTorch) {
  EXPECT_DOUBLE_EQ(calculate_gain("linear"), 1.0);
  EXPECT_DOUBLE_EQ(calculate_gain("conv2d"), 1.0);
  EXPECT_DOUBLE_EQ(calculate_gain("sigmoid"), 1.0);
  EXPECT_DOUBLE_EQ(calculate_gain("tanh"), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(calculate_gain("leaky_relu"), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(calculate_gain("leaky_relu", std::sqrt(5.0)), std::sqrt(1.0 / 3.0));
  EXPECT_DOUBLE_EQ(calculate_gain("selu"), 0.75);
  EXPECT_THROW(calculate_gain("swish"), ValueError);
}

}  // namespace
}  // namespace initlab
