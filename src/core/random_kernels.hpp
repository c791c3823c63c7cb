// Philox4x32-10 fills, written once over 8-lane GCC vector types and compiled
// twice: for the baseline ISA (random_kernels_generic.cpp) and for AVX2
// (random_kernels_avx2.cpp). Only +, −, ×, ÷, sqrt and integer operations are
// used, with floating-point contraction off, so both builds give identical bits.
//
// Including file defines INITLAB_KERNEL_NS (a distinct namespace per ISA, so the
// two builds never share a symbol).
//
// Shapes: a batch is 8 Philox blocks = 32 words = 32 output elements; lane l of
// word vector k holds word k of block (j0 + l); element 4·(j0 + l) + k.
#pragma once

#include <cmath>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "random_kernel_table.hpp"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace initlab::detail {
namespace INITLAB_KERNEL_NS {

typedef float f8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));
typedef uint32_t u8 __attribute__((vector_size(32)));

constexpr uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;  // round multipliers
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;  // Weyl key bumps

inline f8 splat(float x) { return f8{x, x, x, x, x, x, x, x}; }
inline i8 splati(int32_t x) { return i8{x, x, x, x, x, x, x, x}; }
inline u8 splatu(uint32_t x) { return u8{x, x, x, x, x, x, x, x}; }

// hi and lo 32 bits of a·m, lane-wise.
inline void mulhilo(u8 a, uint32_t m, u8& hi, u8& lo) {
#if defined(__AVX2__)
  const __m256i mv = _mm256_set1_epi32(static_cast<int>(m));
  const __m256i av = (__m256i)a;
  const __m256i even = _mm256_mul_epu32(av, mv);                         // lanes 0,2,4,6 (64-bit)
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(av, 32), mv);  // lanes 1,3,5,7
  lo = (u8)_mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  hi = (u8)_mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
#else
  for (int l = 0; l < 8; ++l) {
    const uint64_t p = static_cast<uint64_t>(a[l]) * m;
    hi[l] = static_cast<uint32_t>(p >> 32);
    lo[l] = static_cast<uint32_t>(p);
  }
#endif
}

// B batches of eight Philox4x32-10 blocks: batch b, lane l is the block at
// counter j0 + 8b + l. The batches are independent, so interleaving them hides
// the latency of the multiplies (one batch alone is latency-bound).
// Precondition: (j0 mod 2^32) + 8B − 1 does not wrap (the caller checks).
template <int B>
inline void philox(const PhiloxKey& key, uint64_t j0, u8 c[B][4]) {
  const uint32_t lo = static_cast<uint32_t>(j0);
  for (int b = 0; b < B; ++b) {
    c[b][0] = splatu(lo + 8u * static_cast<uint32_t>(b)) + u8{0, 1, 2, 3, 4, 5, 6, 7};
    c[b][1] = splatu(static_cast<uint32_t>(j0 >> 32));
    c[b][2] = splatu(key.s0);
    c[b][3] = splatu(key.s1);
  }
  uint32_t k0 = key.k0, k1 = key.k1;
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    const u8 vk0 = splatu(k0), vk1 = splatu(k1);
    for (int b = 0; b < B; ++b) {
      u8 hi0, lo0, hi1, lo1;
      mulhilo(c[b][0], kPhiloxM0, hi0, lo0);
      mulhilo(c[b][2], kPhiloxM1, hi1, lo1);
      const u8 n0 = hi1 ^ c[b][1] ^ vk0;
      const u8 n2 = hi0 ^ c[b][3] ^ vk1;
      c[b][0] = n0;
      c[b][1] = lo1;
      c[b][2] = n2;
      c[b][3] = lo0;
    }
  }
}

inline void philox8(const PhiloxKey& key, uint64_t j0, u8 c[4]) {
  philox<1>(key, j0, reinterpret_cast<u8(*)[4]>(c));
}

// Writes out[4l + k] = v[k][l] (32 floats), i.e. back to element order.
inline void store_interleaved(const f8 v[4], float* out) {
#if defined(__AVX2__)
  const __m256 t0 = _mm256_unpacklo_ps((__m256)v[0], (__m256)v[1]);
  const __m256 t1 = _mm256_unpackhi_ps((__m256)v[0], (__m256)v[1]);
  const __m256 t2 = _mm256_unpacklo_ps((__m256)v[2], (__m256)v[3]);
  const __m256 t3 = _mm256_unpackhi_ps((__m256)v[2], (__m256)v[3]);
  const __m256 b04 = _mm256_shuffle_ps(t0, t2, 0x44);  // blocks 0 | 4
  const __m256 b15 = _mm256_shuffle_ps(t0, t2, 0xEE);  // blocks 1 | 5
  const __m256 b26 = _mm256_shuffle_ps(t1, t3, 0x44);  // blocks 2 | 6
  const __m256 b37 = _mm256_shuffle_ps(t1, t3, 0xEE);  // blocks 3 | 7
  _mm256_storeu_ps(out + 0, _mm256_permute2f128_ps(b04, b15, 0x20));
  _mm256_storeu_ps(out + 8, _mm256_permute2f128_ps(b26, b37, 0x20));
  _mm256_storeu_ps(out + 16, _mm256_permute2f128_ps(b04, b15, 0x31));
  _mm256_storeu_ps(out + 24, _mm256_permute2f128_ps(b26, b37, 0x31));
#else
  for (int l = 0; l < 8; ++l) {
    for (int k = 0; k < 4; ++k) out[4 * l + k] = v[k][l];
  }
#endif
}

// ---- element-wise math on packs of K independent 8-lane vectors ----
// Every operation on a Pack<K> emits K independent AVX2 instructions in a row,
// so the long polynomial chains of the K vectors overlap (one vector alone is
// latency-bound). The math below is written once for Pack<K> of floats.

template <class T, int K>
struct Pack {
  T v[K];
};

#define INITLAB_PACK_BINARY(op)                                                             \
  template <class T, int K>                                                                 \
  inline auto operator op(const Pack<T, K>& a, const Pack<T, K>& b) {                       \
    Pack<decltype(a.v[0] op b.v[0]), K> r;                                                  \
    for (int k = 0; k < K; ++k) r.v[k] = a.v[k] op b.v[k];                                  \
    return r;                                                                               \
  }                                                                                         \
  template <class T, int K, class S, class = std::enable_if_t<std::is_arithmetic_v<S>>>      \
  inline auto operator op(const Pack<T, K>& a, S b) {                                       \
    Pack<decltype(a.v[0] op b), K> r;                                                       \
    for (int k = 0; k < K; ++k) r.v[k] = a.v[k] op b;                                       \
    return r;                                                                               \
  }                                                                                         \
  template <class T, int K, class S, class = std::enable_if_t<std::is_arithmetic_v<S>>>      \
  inline auto operator op(S a, const Pack<T, K>& b) {                                       \
    Pack<decltype(a op b.v[0]), K> r;                                                       \
    for (int k = 0; k < K; ++k) r.v[k] = a op b.v[k];                                       \
    return r;                                                                               \
  }
INITLAB_PACK_BINARY(+)
INITLAB_PACK_BINARY(-)
INITLAB_PACK_BINARY(*)
INITLAB_PACK_BINARY(&)
INITLAB_PACK_BINARY(|)
INITLAB_PACK_BINARY(>>)
INITLAB_PACK_BINARY(<)
INITLAB_PACK_BINARY(>)
INITLAB_PACK_BINARY(==)
INITLAB_PACK_BINARY(!=)
#undef INITLAB_PACK_BINARY

template <class T, int K>
inline Pack<T, K> operator-(const Pack<T, K>& a) {
  Pack<T, K> r;
  for (int k = 0; k < K; ++k) r.v[k] = -a.v[k];
  return r;
}

template <int K>
using FP = Pack<f8, K>;
template <int K>
using IP = Pack<i8, K>;

// m ? a : b, lane-wise (m from a comparison: −1 or 0).
template <class T, int K>
inline Pack<T, K> select(const IP<K>& m, const Pack<T, K>& a, const Pack<T, K>& b) {
  Pack<T, K> r;
  for (int k = 0; k < K; ++k) r.v[k] = m.v[k] ? a.v[k] : b.v[k];
  return r;
}
template <int K>
inline IP<K> bits_of(const FP<K>& x) {
  IP<K> r;
  for (int k = 0; k < K; ++k) r.v[k] = (i8)x.v[k];
  return r;
}
template <int K>
inline FP<K> float_from_bits(const IP<K>& x) {
  FP<K> r;
  for (int k = 0; k < K; ++k) r.v[k] = (f8)x.v[k];
  return r;
}
template <int K>
inline FP<K> to_float(const IP<K>& x) {
  FP<K> r;
  for (int k = 0; k < K; ++k) r.v[k] = __builtin_convertvector(x.v[k], f8);
  return r;
}
template <int K>
inline IP<K> truncate_to_int(const FP<K>& x) {
  IP<K> r;
  for (int k = 0; k < K; ++k) r.v[k] = __builtin_convertvector(x.v[k], i8);
  return r;
}
template <int K>
inline FP<K> splat_pack(float x) {
  FP<K> r;
  for (int k = 0; k < K; ++k) r.v[k] = splat(x);
  return r;
}

template <int K>
inline FP<K> vsqrt(const FP<K>& x) {
  FP<K> r;
  for (int k = 0; k < K; ++k) {
#if defined(__AVX2__)
    r.v[k] = (f8)_mm256_sqrt_ps((__m256)x.v[k]);
#else
    for (int l = 0; l < 8; ++l) r.v[k][l] = std::sqrt(x.v[k][l]);
#endif
  }
  return r;
}

// 24-bit uniform in [0, 1): (w >> 8) · 2^-24, exact.
template <int K>
inline FP<K> unit_uniform(const Pack<u8, K>& w) {
  FP<K> r;
  for (int k = 0; k < K; ++k) r.v[k] = __builtin_convertvector((i8)(w.v[k] >> 8), f8) * 5.9604644775390625e-8f;
  return r;
}

// ln(x) for x in [2^-24, 1] (Cephes logf polynomial, ~1 ulp).
template <int K>
inline FP<K> log_unit(const FP<K>& x) {
  const IP<K> bits = bits_of(x);
  IP<K> e = ((bits >> 23) & 0xff) - 126;
  FP<K> m = float_from_bits((bits & 0x007fffff) | 0x3f000000);  // mantissa in [0.5, 1)
  const IP<K> small = m < 0.707106781186547524f;
  e = e + small;  // comparison lanes are −1 where true
  m = select(small, m + m, m);
  const FP<K> t = m - 1.0f;
  const FP<K> z = t * t;
  FP<K> y = splat_pack<K>(7.0376836292e-2f);
  y = y * t + -1.1514610310e-1f;
  y = y * t + 1.1676998740e-1f;
  y = y * t + -1.2420140846e-1f;
  y = y * t + 1.4249322787e-1f;
  y = y * t + -1.6668057665e-1f;
  y = y * t + 2.0000714765e-1f;
  y = y * t + -2.4999993993e-1f;
  y = y * t + 3.3333331174e-1f;
  y = y * t * z;
  const FP<K> ef = to_float(e);
  y = y + ef * -2.12194440e-4f;
  y = y - 0.5f * z;
  return (t + y) + ef * 0.693359375f;
}

// cos(2πu) and sin(2πu) for u = k·2^-24 in [0, 1) (Cephes sinf/cosf on ±π/4).
template <int K>
inline void sincos_2pi(const FP<K>& u, FP<K>& c, FP<K>& s) {
  const FP<K> v = u * 4.0f;                          // exact
  const IP<K> q = truncate_to_int(v + 0.5f);         // nearest quadrant, 0..4
  const FP<K> r = (v - to_float(q)) * 1.57079632679489661923f;  // [−π/4, π/4]
  const FP<K> z = r * r;
  FP<K> sp = splat_pack<K>(-1.9515295891e-4f);
  sp = sp * z + 8.3321608736e-3f;
  sp = sp * z + -1.6666654611e-1f;
  const FP<K> sr = sp * z * r + r;
  FP<K> cp = splat_pack<K>(2.443315711809948e-5f);
  cp = cp * z + -1.388731625493765e-3f;
  cp = cp * z + 4.166664568298827e-2f;
  const FP<K> cr = cp * z * z - 0.5f * z + 1.0f;
  const IP<K> quad = q & 3;
  const IP<K> swap = (quad & 1) != 0;  // quadrants 1, 3: cos↔sin
  const IP<K> neg_c = (quad == 1) | (quad == 2);
  const IP<K> neg_s = (quad == 2) | (quad == 3);
  const FP<K> c0 = select(swap, sr, cr);
  const FP<K> s0 = select(swap, cr, sr);
  c = select(neg_c, -c0, c0);
  s = select(neg_s, -s0, s0);
}

// erf⁻¹(x) for |x| with −ln(1 − x²) < 5, i.e. |√2·erf⁻¹(x)| < 2.93
// (Giles 2010, "Approximating the erfinv function", single-precision central branch).
template <int K>
inline FP<K> erfinv_central(const FP<K>& x) {
  const FP<K> w = -log_unit((1.0f - x) * (1.0f + x)) - 2.5f;
  FP<K> p = splat_pack<K>(2.81022636e-08f);
  p = 3.43273939e-07f + p * w;
  p = -3.5233877e-06f + p * w;
  p = -4.39150654e-06f + p * w;
  p = 0.00021858087f + p * w;
  p = -0.00125372503f + p * w;
  p = -0.00417768164f + p * w;
  p = 0.246640727f + p * w;
  p = 1.50140941f + p * w;
  return p * x;
}

// ---- batch transforms: the words of B batches of 8 blocks → B × 4 float vectors ----
// out[b][k] lane l is element 4·(8b + l) + k of the step.

template <int B>
using Words = u8[B][4];
template <int B>
using Values = f8[B][4];

struct UniformOp {
  float lo, width, below_hi;
  template <int B>
  void operator()(const Words<B>& w, Values<B>& out) const {
    for (int b = 0; b < B; ++b) {
      for (int k = 0; k < 4; ++k) {
        const f8 x = lo + width * (__builtin_convertvector((i8)(w[b][k] >> 8), f8) * 5.9604644775390625e-8f);
        out[b][k] = x < below_hi ? x : splat(below_hi);  // keep the interval half-open after rounding
      }
    }
  }
};

struct NormalOp {
  float mean, stddev;
  template <int B>
  void operator()(const Words<B>& w, Values<B>& out) const {
    // Two batches' (u1, u2) pairs at a time: K = 4 vectors in flight.
    constexpr int G = B >= 2 ? 2 : 1, K = 2 * G;
    for (int b0 = 0; b0 < B; b0 += G) {
      Pack<u8, K> w1, w2;
      for (int g = 0; g < G; ++g) {
        for (int pair = 0; pair < 2; ++pair) {
          w1.v[2 * g + pair] = w[b0 + g][2 * pair];
          w2.v[2 * g + pair] = w[b0 + g][2 * pair + 1];
        }
      }
      const FP<K> u1 = unit_uniform(w1) + 5.9604644775390625e-8f;  // (0, 1]
      const FP<K> u2 = unit_uniform(w2);
      const FP<K> radius = vsqrt(-2.0f * log_unit(u1));
      FP<K> c, s;
      sincos_2pi(u2, c, s);
      const FP<K> zc = mean + stddev * (radius * c);
      const FP<K> zs = mean + stddev * (radius * s);
      for (int g = 0; g < G; ++g) {
        for (int pair = 0; pair < 2; ++pair) {
          out[b0 + g][2 * pair] = zc.v[2 * g + pair];
          out[b0 + g][2 * pair + 1] = zs.v[2 * g + pair];
        }
      }
    }
  }
};

// Inverse CDF for truncation points inside ±2.9σ: p = pa + u·pw, z = √2·erf⁻¹(2p − 1).
struct TruncatedOp {
  float pa, pw, mean, stddev, zlo, zhi;
  template <int B>
  void operator()(const Words<B>& w, Values<B>& out) const {
    constexpr int K = 4;  // one batch's four word vectors at once
    for (int b = 0; b < B; ++b) {
      Pack<u8, K> words;
      for (int k = 0; k < K; ++k) words.v[k] = w[b][k];
      const FP<K> p = pa + pw * unit_uniform(words);
      FP<K> z = 1.41421356237309505f * erfinv_central(2.0f * p - 1.0f);
      z = select(z < zlo, splat_pack<K>(zlo), z);
      z = select(z > zhi, splat_pack<K>(zhi), z);
      const FP<K> x = mean + stddev * z;
      for (int k = 0; k < K; ++k) out[b][k] = x.v[k];
    }
  }
};

// Fills out[0..n) with elements e0.. of the stream (e0 a multiple of 4).
template <class Op>
void fill_with(const PhiloxKey& key, uint64_t e0, float* out, int64_t n, const Op& op) {
  constexpr int kBatches = 4;                 // interleaved batches of 8 blocks
  constexpr int64_t kStep = 32 * kBatches;    // elements per step
  uint64_t j = e0 / 4;
  int64_t done = 0;
  // Whole steps, away from the low counter word's wrap-around.
  while (n - done >= kStep && static_cast<uint32_t>(j) <= 0xFFFFFFFFu - (8 * kBatches - 1)) {
    u8 words[kBatches][4];
    f8 values[kBatches][4];
    philox<kBatches>(key, j, words);
    op.template operator()<kBatches>(words, values);
    for (int b = 0; b < kBatches; ++b) store_interleaved(values[b], out + done + 32 * b);
    done += kStep;
    j += 8 * kBatches;
  }
  // The rest, one batch (or, next to the wrap, one block) at a time.
  u8 words[1][4];
  f8 values[1][4];
  while (done < n) {
    const bool wraps = static_cast<uint32_t>(j) > 0xFFFFFFF8u;
    philox<1>(key, j, words);  // lane 0 is block j even when the other lanes wrap
    op.template operator()<1>(words, values);
    float tmp[32];
    store_interleaved(values[0], tmp);
    const int64_t take = std::min<int64_t>(n - done, wraps ? 4 : 32);
    std::memcpy(out + done, tmp, static_cast<size_t>(take) * sizeof(float));
    done += take;
    j += wraps ? 1 : 8;
  }
}

inline void fill_uniform(const PhiloxKey& key, uint64_t e0, float* out, int64_t n, float lo,
                         float width, float below_hi) {
  fill_with(key, e0, out, n, UniformOp{lo, width, below_hi});
}

inline void fill_normal(const PhiloxKey& key, uint64_t e0, float* out, int64_t n, float mean,
                        float stddev) {
  fill_with(key, e0, out, n, NormalOp{mean, stddev});
}

inline void fill_truncated(const PhiloxKey& key, uint64_t e0, float* out, int64_t n,
                           const TruncatedParams& t) {
  fill_with(key, e0, out, n, TruncatedOp{t.pa, t.pw, t.mean, t.stddev, t.zlo, t.zhi});
}

inline void blocks(const PhiloxKey& key, uint64_t j0, uint32_t* out, int64_t count) {
  for (int64_t b = 0; b < count; ++b) {
    u8 c[4];
    philox8(key, j0 + static_cast<uint64_t>(b), c);
    for (int k = 0; k < 4; ++k) out[4 * b + k] = c[k][0];
  }
}

inline KernelTable make_table() {
  return KernelTable{&fill_uniform, &fill_normal, &fill_truncated, &blocks};
}

}  // namespace INITLAB_KERNEL_NS
}  // namespace initlab::detail
