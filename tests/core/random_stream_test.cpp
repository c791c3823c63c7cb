#include "initlab/core/random_stream.hpp"

#include <Random123/philox.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "initlab/core/normal_math.hpp"
#include "initlab/core/parallel.hpp"
#include "core/random_kernel_table.hpp"

namespace initlab {
namespace {

// The documented counter layout, checked against Random123's reference Philox.
TEST(RandomStream, BlocksMatchRandom123Philox4x32x10) {
  const uint64_t seed = 0x123456789abcdefULL;
  const uint64_t id = stream_id("layer1/kernel");
  RandomStream s(seed, id);
  r123::Philox4x32 philox;
  for (uint64_t j : {0ULL, 1ULL, 7ULL, 8ULL, 123456ULL, 0xFFFFFFFFULL, 0x100000003ULL}) {
    r123::Philox4x32::ctr_type c = {{static_cast<uint32_t>(j), static_cast<uint32_t>(j >> 32),
                                     static_cast<uint32_t>(id), static_cast<uint32_t>(id >> 32)}};
    r123::Philox4x32::key_type k = {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
    const auto ref = philox(c, k);
    const auto got = s.block(j);
    for (int w = 0; w < 4; ++w) EXPECT_EQ(got[w], ref[w]) << "block " << j << " word " << w;
  }
}

TEST(RandomStream, StreamIdIsFnv1a64) {
  // Reference values of FNV-1a 64 ("" is the offset basis; "a" from the FNV test suite).
  EXPECT_EQ(stream_id(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(stream_id("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(stream_id("foobar"), 0x85944171f73967e8ULL);
}

TEST(RandomStream, UniformIsTheTop24BitsOfTheWord) {
  RandomStream s(42, 7);
  for (uint64_t i = 0; i < 64; ++i) {
    const auto b = s.block(i / 4);
    const float expect = static_cast<float>(b[i % 4] >> 8) * 0x1p-24f;
    EXPECT_EQ(s.uniform(i), expect) << i;
  }
  std::vector<float> v(1000);
  s.fill_uniform(v);
  for (size_t i = 0; i < v.size(); ++i) ASSERT_EQ(v[i], s.uniform(i)) << i;
}

TEST(RandomStream, NormalIsBoxMullerOfTheWordPairs) {
  RandomStream s(9, 99);
  for (uint64_t i = 0; i < 400; ++i) {
    const auto b = s.block(i / 4);
    const int pair = static_cast<int>(i % 4) / 2;
    const double u1 = static_cast<double>(b[2 * pair] >> 8) * 0x1p-24 + 0x1p-24;
    const double u2 = static_cast<double>(b[2 * pair + 1] >> 8) * 0x1p-24;
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double expect = (i % 2 == 0) ? r * std::cos(2 * M_PI * u2) : r * std::sin(2 * M_PI * u2);
    EXPECT_NEAR(s.normal(i), expect, 2e-6 * std::max(1.0, std::fabs(expect))) << i;
  }
}

// The AVX2 and baseline kernels must give the same bits (own log/sincos/erfinv, no FMA).
TEST(RandomStream, Avx2AndBaselineKernelsAgreeBitForBit) {
  const auto& g = detail::generic_kernels();
  const auto& v = detail::avx2_kernels();
  const detail::PhiloxKey key{0xdeadbeef, 0x1234, 0x9abc, 0x5678};
  const int64_t n = 4099;
  std::vector<float> a(n), b(n);
  for (uint64_t e0 : {uint64_t{0}, uint64_t{4 * 0xFFFFFFF0ULL}}) {  // second: low counter word wraps
    g.uniform(key, e0, a.data(), n, -1.0f, 4.0f, 2.9999998f);
    v.uniform(key, e0, b.data(), n, -1.0f, 4.0f, 2.9999998f);
    ASSERT_EQ(a, b);
    g.normal(key, e0, a.data(), n, 0.5f, 2.0f);
    v.normal(key, e0, b.data(), n, 0.5f, 2.0f);
    ASSERT_EQ(a, b);
    const detail::TruncatedParams t{0.02275013f, 0.9544997f, 0.0f, 1.0f, -2.0f, 2.0f};
    g.truncated(key, e0, a.data(), n, t);
    v.truncated(key, e0, b.data(), n, t);
    ASSERT_EQ(a, b);
  }
  // And the wrap-around batch still follows the counter layout.
  std::vector<uint32_t> w(4 * 12);
  g.blocks(key, 0xFFFFFFFCULL, w.data(), 12);
  r123::Philox4x32 philox;
  for (uint64_t blk = 0; blk < 12; ++blk) {
    const uint64_t j = 0xFFFFFFFCULL + blk;
    const auto ref = philox({{static_cast<uint32_t>(j), static_cast<uint32_t>(j >> 32), key.s0, key.s1}},
                            {{key.k0, key.k1}});
    for (int k = 0; k < 4; ++k) ASSERT_EQ(w[4 * blk + k], ref[k]);
  }
  std::vector<float> u(48);
  v.uniform(key, 4 * 0xFFFFFFFCULL, u.data(), 48, 0.0f, 1.0f, 0.99999994f);
  for (int i = 0; i < 48; ++i) ASSERT_EQ(u[i], static_cast<float>(w[i] >> 8) * 0x1p-24f) << i;
}

TEST(RandomStream, FillsAreIdenticalOnAnyThreadCount) {
  RandomStream s(77, stream_id("x"));
  const int64_t n = 3 * (1 << 16) + 5;
  std::vector<float> ref_u(n), ref_n(n), ref_t(n), ref_g(n);
  set_num_threads(1);
  s.fill_uniform(ref_u);
  s.fill_normal(ref_n);
  s.fill_truncated_normal(ref_t, 0.0f, 1.0f, -2.0, 2.0);
  s.fill_truncated_normal(ref_g, 1.0f, 0.02f, -100.0, 100.0);
  for (int threads : {2, 3, 4}) {
    set_num_threads(threads);
    std::vector<float> u(n), z(n), t(n), g(n);
    s.fill_uniform(u);
    s.fill_normal(z);
    s.fill_truncated_normal(t, 0.0f, 1.0f, -2.0, 2.0);
    s.fill_truncated_normal(g, 1.0f, 0.02f, -100.0, 100.0);
    EXPECT_EQ(u, ref_u) << threads;
    EXPECT_EQ(z, ref_n) << threads;
    EXPECT_EQ(t, ref_t) << threads;
    EXPECT_EQ(g, ref_g) << threads;
  }
  set_num_threads(2);
}

TEST(RandomStream, OffsetFillsAgreeWithFullFills) {
  // Element i is a function of i alone: a fill of a sub-span equals the same slice.
  RandomStream s(5, 6);
  std::vector<float> full(1000);
  s.fill_normal(full);
  for (uint64_t i = 0; i < full.size(); ++i) ASSERT_EQ(full[i], s.normal(i));
}

// Moments with bands of 5 standard errors.
void expect_moments(const std::vector<float>& v, double mean, double var, const char* what) {
  const double n = static_cast<double>(v.size());
  double m = 0, m2 = 0, m4 = 0;
  for (float x : v) m += x;
  m /= n;
  for (float x : v) {
    const double d = x - m;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  m2 /= n;
  m4 /= n;
  const double se_mean = std::sqrt(var / n);
  const double se_var = std::sqrt(std::max(m4 - m2 * m2, 1e-30) / n);
  EXPECT_NEAR(m, mean, 5 * se_mean) << what;
  EXPECT_NEAR(m2, var, 5 * se_var) << what;
}

TEST(RandomStream, DistributionsHaveTheirMoments) {
  RandomStream s(31337, stream_id("moments"));
  const size_t n = 1 << 20;
  std::vector<float> v(n);
  s.fill_uniform(v, -2.0f, 6.0f);
  expect_moments(v, 2.0, 64.0 / 12.0, "uniform[-2,6)");
  for (float x : v) ASSERT_TRUE(x >= -2.0f && x < 6.0f);
  s.fill_normal(v, 1.0f, 3.0f);
  expect_moments(v, 1.0, 9.0, "normal(1,3)");
  s.fill_truncated_normal(v, 0.0f, 1.0f, -2.0, 2.0);
  const auto tm = truncated_normal_moments(-2, 2);
  expect_moments(v, tm.mean, tm.stddev * tm.stddev, "truncated ±2");
  for (float x : v) ASSERT_TRUE(x >= -2.0f && x <= 2.0f);
  s.fill_truncated_normal(v, 0.0f, 1.0f, -0.5, 2.5);
  const auto tm2 = truncated_normal_moments(-0.5, 2.5);
  expect_moments(v, tm2.mean, tm2.stddev * tm2.stddev, "truncated [-0.5, 2.5]");
  s.fill_truncated_normal(v, 0.0f, 1.0f, 3.0, 6.0);
  const auto tm3 = truncated_normal_moments(3, 6);
  expect_moments(v, tm3.mean, tm3.stddev * tm3.stddev, "truncated [3, 6] (tail path)");
  for (float x : v) ASSERT_TRUE(x >= 3.0f && x <= 6.0f);
  s.fill_bernoulli(v, 0.3);
  expect_moments(v, 0.3, 0.21, "bernoulli(0.3)");
}

TEST(RandomStream, PermutationIsAPermutationAndUniform) {
  RandomStream s(3, 4);
  const auto p = s.permutation(1000);
  std::vector<int> seen(1000, 0);
  for (auto x : p) seen[static_cast<size_t>(x)]++;
  for (int c : seen) ASSERT_EQ(c, 1);
  // Position of element 0 over many streams is uniform on 0..4: chi-square, 4 dof, p≈1e-4 cut 23.5.
  std::vector<int> count(5, 0);
  for (uint64_t k = 0; k < 5000; ++k) {
    const auto q = RandomStream(k, 1).permutation(5);
    for (int i = 0; i < 5; ++i) if (q[i] == 0) count[i]++;
  }
  double chi2 = 0;
  for (int c : count) chi2 += (c - 1000.0) * (c - 1000.0) / 1000.0;
  EXPECT_LT(chi2, 23.5);
}

TEST(NormalMath, QuantileInvertsCdf) {
  for (double p : {1e-300, 1e-20, 1e-5, 0.01, 0.3, 0.5, 0.77, 0.99, 1 - 1e-10}) {
    const double x = normal_quantile(p);
    EXPECT_NEAR(normal_cdf(x) / p, 1.0, 1e-12) << p;
  }
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-14);
  const auto m = truncated_normal_moments(-2, 2);
  EXPECT_NEAR(m.stddev, kTruncatedStd2, 1e-15);
  EXPECT_NEAR(m.mean, 0.0, 1e-15);
}

}  // namespace
}  // namespace initlab
