#include "initlab/core/random_stream.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "initlab/core/error.hpp"
#include "initlab/core/normal_math.hpp"
#include "initlab/core/parallel.hpp"
#include "random_kernel_table.hpp"

namespace initlab {
namespace {

using detail::PhiloxKey;

// Elements per parallel chunk: large enough that thread start-up is noise.
constexpr int64_t kGrain = 1 << 16;

PhiloxKey key_of(uint64_t seed, uint64_t stream) {
  return PhiloxKey{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                   static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)};
}

// SplitMix64 finalizer (Steele, Lea & Flood 2014): a bijective 64-bit mix.
uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// High 64 bits of a·b.
uint64_t mulhi64(uint64_t a, uint64_t b) {
  const uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32, b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
  const uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
  const uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
  return hi_hi + (hi_lo >> 32) + (cross >> 32);
}

// Runs kernel(e0, out + e0, count) over [0, n) in chunks aligned to whole blocks.
template <class Kernel>
void parallel_fill(std::span<float> out, Kernel&& kernel) {
  const int64_t n = static_cast<int64_t>(out.size());
  parallel_for(
      0, n, kGrain,
      [&](int64_t lo, int64_t hi) { kernel(static_cast<uint64_t>(lo), out.data() + lo, hi - lo); },
      /*align=*/32);
}

}  // namespace

uint64_t stream_id(std::string_view name) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV-1a 64 prime
  }
  return h;
}

RandomStream RandomStream::substream(uint64_t index) const {
  return RandomStream(seed_, mix64(stream_ ^ mix64(index)));
}

std::array<uint32_t, 4> RandomStream::block(uint64_t j) const {
  std::array<uint32_t, 4> w{};
  detail::best_kernels().blocks(key_of(seed_, stream_), j, w.data(), 1);
  return w;
}

float RandomStream::uniform(uint64_t i) const {
  float v[4];
  fill_uniform_at(i & ~uint64_t{3}, v);
  return v[i & 3];
}

float RandomStream::normal(uint64_t i) const {
  float v[4];
  detail::best_kernels().normal(key_of(seed_, stream_), i & ~uint64_t{3}, v, 4, 0.0f, 1.0f);
  return v[i & 3];
}

void RandomStream::fill_uniform_at(uint64_t e0, float* out4) const {
  detail::best_kernels().uniform(key_of(seed_, stream_), e0, out4, 4, 0.0f, 1.0f,
                                 std::nextafter(1.0f, 0.0f));
}

void RandomStream::fill_uniform(std::span<float> out, float lo, float hi) const {
  if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi)) {
    throw ValueError(fmt::format("uniform: expected finite bounds with lo < hi, got [{}, {})", lo, hi));
  }
  const float width = hi - lo;
  const float below_hi = std::nextafter(hi, lo);
  const auto& k = detail::best_kernels();
  const PhiloxKey key = key_of(seed_, stream_);
  parallel_fill(out, [&](uint64_t e0, float* dst, int64_t n) { k.uniform(key, e0, dst, n, lo, width, below_hi); });
}

void RandomStream::fill_normal(std::span<float> out, float mean, float stddev) const {
  if (!(stddev >= 0.0f) || !std::isfinite(stddev) || !std::isfinite(mean)) {
    throw ValueError(fmt::format("normal: expected finite mean and stddev >= 0, got mean {} stddev {}", mean, stddev));
  }
  const auto& k = detail::best_kernels();
  const PhiloxKey key = key_of(seed_, stream_);
  parallel_fill(out, [&](uint64_t e0, float* dst, int64_t n) { k.normal(key, e0, dst, n, mean, stddev); });
}

void RandomStream::fill_truncated_normal(std::span<float> out, float mean, float stddev, double a,
                                         double b) const {
  if (!(a < b) || std::isnan(a) || std::isnan(b)) {
    throw ValueError(fmt::format("truncated normal: expected a < b (in standard deviations), got [{}, {}]", a, b));
  }
  if (!(stddev >= 0.0f) || !std::isfinite(stddev) || !std::isfinite(mean)) {
    throw ValueError(fmt::format("truncated normal: expected finite mean and stddev >= 0, got mean {} stddev {}", mean, stddev));
  }
  const PhiloxKey key = key_of(seed_, stream_);
  // Fast path: both cuts within ±2.9σ, where float erf⁻¹'s central branch is exact enough.
  constexpr double kCentral = 2.9;
  if (a >= -kCentral && b <= kCentral) {
    detail::TruncatedParams t{};
    t.pa = static_cast<float>(normal_cdf(a));
    t.pw = static_cast<float>(normal_cdf(b) - normal_cdf(a));
    t.mean = mean;
    t.stddev = stddev;
    t.zlo = static_cast<float>(a);
    t.zhi = static_cast<float>(b);
    // float(a) may lie outside [a, b] by rounding: pull the clamp points inside.
    if (static_cast<double>(t.zlo) < a) t.zlo = std::nextafter(t.zlo, 0.0f);
    if (static_cast<double>(t.zhi) > b) t.zhi = std::nextafter(t.zhi, 0.0f);
    const auto& k = detail::best_kernels();
    parallel_fill(out, [&](uint64_t e0, float* dst, int64_t n) { k.truncated(key, e0, dst, n, t); });
    return;
  }
  // General path, double precision: work on the side of 0 that keeps Φ's precision.
  const bool flip = a > 0;  // sample from [−b, −a] and negate
  const double lo = flip ? -b : a;
  const double hi = flip ? -a : b;
  const double plo = normal_cdf(lo);
  const double phi = normal_cdf(hi);
  if (!(phi > plo)) {
    throw ValueError(fmt::format(
        "truncated normal: the interval [{}, {}] standard deviations from the mean has no "
        "probability mass in double precision (expected bounds within about ±37σ of the mean)",
        a, b));
  }
  const auto& k = detail::best_kernels();
  parallel_fill(out, [&](uint64_t e0, float* dst, int64_t n) {
    float u[32];
    for (int64_t done = 0; done < n; done += 32) {
      const int64_t take = std::min<int64_t>(32, n - done);
      k.uniform(key, e0 + static_cast<uint64_t>(done), u, take, 0.0f, 1.0f, std::nextafter(1.0f, 0.0f));
      for (int64_t t = 0; t < take; ++t) {
        // Midpoint of the 24-bit cell, so p never reaches plo or phi.
        const double p = plo + (static_cast<double>(u[t]) + 0x1p-25) * (phi - plo);
        double z = std::clamp(normal_quantile(p), lo, hi);
        if (flip) z = -z;
        dst[done + t] = static_cast<float>(mean + stddev * z);
      }
    }
  });
}

void RandomStream::fill_bernoulli(std::span<float> out, double p) const {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw ValueError(fmt::format("bernoulli: expected a probability in [0, 1], got {}", p));
  }
  // u < p with u on the 24-bit grid: P = ceil(p·2^24)/2^24, exact for p on the grid.
  const auto threshold = static_cast<float>(std::ceil(p * 16777216.0) / 16777216.0);
  const auto& k = detail::best_kernels();
  const PhiloxKey key = key_of(seed_, stream_);
  parallel_fill(out, [&](uint64_t e0, float* dst, int64_t n) {
    k.uniform(key, e0, dst, n, 0.0f, 1.0f, std::nextafter(1.0f, 0.0f));
    for (int64_t t = 0; t < n; ++t) dst[t] = dst[t] < threshold ? 1.0f : 0.0f;
  });
}

std::vector<int64_t> RandomStream::permutation(int64_t n) const {
  if (n < 0) throw ValueError(fmt::format("permutation: expected n >= 0, got {}", n));
  std::vector<int64_t> perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[static_cast<size_t>(i)] = i;
  const auto& k = detail::best_kernels();
  const PhiloxKey key = key_of(seed_, stream_);
  uint32_t w[4];
  for (int64_t i = n - 1; i > 0; --i) {
    // Swap i with j uniform in [0, i]: the high 64 bits of r·(i+1) for a 64-bit r
    // (Lemire's multiply-shift), bias below n·2^-64.
    k.blocks(key, static_cast<uint64_t>(i), w, 1);
    const uint64_t r = static_cast<uint64_t>(w[0]) << 32 | w[1];
    const auto j = static_cast<int64_t>(mulhi64(r, static_cast<uint64_t>(i + 1)));
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(j)]);
  }
  return perm;
}

}  // namespace initlab
