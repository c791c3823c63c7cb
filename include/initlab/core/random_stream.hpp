// Counter-based random streams (Philox4x32-10, Salmon et al. 2011, via Random123).
//
// A stream is keyed by (seed, stream id). Philox maps a 128-bit counter and a
// 64-bit key to four 32-bit words; initlab uses
//
//     key     = (seed mod 2^32, seed div 2^32)
//     counter = (j mod 2^32, j div 2^32, id mod 2^32, id div 2^32)
//
// for block j of stream `id`. Element i of a fill is a pure function of
// (seed, id, i): it comes from block floor(i/4), so a fill gives the same bits
// on 1, 2 or N threads, in any order, on any machine.
//
//   uniform(i)  word w = i mod 4 of block i/4:  u = (w >> 8) · 2^-24, exactly one of
//               the 2^24 floats k·2^-24 in [0, 1).
//   normal(i)   Box–Muller on the word pairs (0,1) and (2,3) of block i/4:
//               z = sqrt(-2 ln u1) · cos(2π u2) (even i) or · sin(2π u2) (odd i),
//               u1 = (w_a >> 8) · 2^-24 + 2^-24 in (0, 1], u2 = (w_b >> 8) · 2^-24.
//               |z| <= 5.77 (the 24-bit resolution of u1).
//   truncated   inverse CDF: element i takes the single word of uniform(i) and
//               maps it to Φ⁻¹(Φ(a) + u·(Φ(b) − Φ(a))), so no rejection loop
//               and no dependence on other elements.
//
// log, sin, cos and erfinv are initlab's own polynomial code (not libm), so the
// scalar and the vectorized paths produce identical bits.
//
// The stream id of a named tensor is stream_id(name): 64-bit FNV-1a over the
// name's UTF-8 bytes (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace initlab {

/// FNV-1a 64 of `name` — the documented, stable stream id of a named tensor.
uint64_t stream_id(std::string_view name);

class RandomStream {
 public:
  RandomStream(uint64_t seed, uint64_t stream) : seed_(seed), stream_(stream) {}
  /// The stream of a named tensor (`layer1/kernel`) under `seed`.
  static RandomStream named(uint64_t seed, std::string_view name) {
    return RandomStream(seed, stream_id(name));
  }

  uint64_t seed() const { return seed_; }
  uint64_t stream() const { return stream_; }

  /// An independent stream derived from this one (id mixed with `index`).
  RandomStream substream(uint64_t index) const;

  /// The four Philox words of block j.
  std::array<uint32_t, 4> block(uint64_t j) const;

  // --- single elements (the same values the fills produce at index i) ---
  float uniform(uint64_t i) const;
  float normal(uint64_t i) const;

  // --- fills: out[k] is element k of the stream ---
  /// U[lo, hi): lo + (hi − lo)·u, never equal to hi.
  void fill_uniform(std::span<float> out, float lo = 0.0f, float hi = 1.0f) const;
  /// N(mean, stddev²).
  void fill_normal(std::span<float> out, float mean = 0.0f, float stddev = 1.0f) const;
  /// N(mean, stddev²) truncated to [mean + a·stddev, mean + b·stddev] (a < b in
  /// units of stddev). Throws ValueError when the interval has no mass in double precision.
  void fill_truncated_normal(std::span<float> out, float mean, float stddev, double a,
                             double b) const;
  /// 1 with probability p, else 0.
  void fill_bernoulli(std::span<float> out, double p) const;
  /// A uniformly random permutation of 0..n-1 (Fisher–Yates; swap k draws from block k).
  std::vector<int64_t> permutation(int64_t n) const;

 private:
  void fill_uniform_at(uint64_t e0, float* out4) const;

  uint64_t seed_;
  uint64_t stream_;
};

}  // namespace initlab
