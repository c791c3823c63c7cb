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
#include <cstring>

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

inline f8 vsqrt(f8 x) {
#if defined(__AVX2__)
  return (f8)_mm256_sqrt_ps((__m256)x);
#else
  f8 r;
  for (int l = 0; l < 8; ++l) r[l] = std::sqrt(x[l]);
  return r;
#endif
}

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

// Eight Philox4x32-10 blocks at counters (j0 + l) for l = 0..7.
// Precondition: (j0 mod 2^32) + 7 does not wrap (the caller checks).
inline void philox8(const PhiloxKey& key, uint64_t j0, u8 c[4]) {
  const uint32_t lo = static_cast<uint32_t>(j0);
  c[0] = splatu(lo) + u8{0, 1, 2, 3, 4, 5, 6, 7};
  c[1] = splatu(static_cast<uint32_t>(j0 >> 32));
  c[2] = splatu(key.s0);
  c[3] = splatu(key.s1);
  uint32_t k0 = key.k0, k1 = key.k1;
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    u8 hi0, lo0, hi1, lo1;
    mulhilo(c[0], kPhiloxM0, hi0, lo0);
    mulhilo(c[2], kPhiloxM1, hi1, lo1);
    const u8 n0 = hi1 ^ c[1] ^ splatu(k0);
    const u8 n2 = hi0 ^ c[3] ^ splatu(k1);
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
  }
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

// 24-bit uniform in [0, 1): (w >> 8) · 2^-24, exact.
inline f8 unit_uniform(u8 w) {
  return __builtin_convertvector((i8)(w >> 8), f8) * splat(5.9604644775390625e-8f);
}

// ln(x) for x in [2^-24, 1] (Cephes logf polynomial, ~1 ulp).
inline f8 log_unit(f8 x) {
  const i8 bits = (i8)x;
  i8 e = ((bits >> 23) & 0xff) - 126;
  f8 m = (f8)((bits & 0x007fffff) | 0x3f000000);  // mantissa in [0.5, 1)
  const i8 small = m < splat(0.707106781186547524f);
  e = e + small;  // comparison lanes are −1 where true
  m = small ? m + m : m;
  const f8 t = m - splat(1.0f);
  const f8 z = t * t;
  f8 y = splat(7.0376836292e-2f);
  y = y * t + splat(-1.1514610310e-1f);
  y = y * t + splat(1.1676998740e-1f);
  y = y * t + splat(-1.2420140846e-1f);
  y = y * t + splat(1.4249322787e-1f);
  y = y * t + splat(-1.6668057665e-1f);
  y = y * t + splat(2.0000714765e-1f);
  y = y * t + splat(-2.4999993993e-1f);
  y = y * t + splat(3.3333331174e-1f);
  y = y * t * z;
  const f8 ef = __builtin_convertvector(e, f8);
  y = y + ef * splat(-2.12194440e-4f);
  y = y - splat(0.5f) * z;
  return (t + y) + ef * splat(0.693359375f);
}

// cos(2πu) and sin(2πu) for u = k·2^-24 in [0, 1) (Cephes sinf/cosf on ±π/4).
inline void sincos_2pi(f8 u, f8& c, f8& s) {
  const f8 v = u * splat(4.0f);                                   // exact
  const i8 q = __builtin_convertvector(v + splat(0.5f), i8);      // nearest quadrant, 0..4
  const f8 r = (v - __builtin_convertvector(q, f8)) * splat(1.57079632679489661923f);  // [−π/4, π/4]
  const f8 z = r * r;
  f8 sp = splat(-1.9515295891e-4f);
  sp = sp * z + splat(8.3321608736e-3f);
  sp = sp * z + splat(-1.6666654611e-1f);
  const f8 sr = sp * z * r + r;
  f8 cp = splat(2.443315711809948e-5f);
  cp = cp * z + splat(-1.388731625493765e-3f);
  cp = cp * z + splat(4.166664568298827e-2f);
  const f8 cr = cp * z * z - splat(0.5f) * z + splat(1.0f);
  const i8 quad = q & 3;
  const i8 swap = (quad & 1) != 0;          // quadrants 1, 3: cos↔sin
  const i8 neg_c = (quad == 1) | (quad == 2);
  const i8 neg_s = (quad == 2) | (quad == 3);
  const f8 c0 = swap ? sr : cr;
  const f8 s0 = swap ? cr : sr;
  c = neg_c ? -c0 : c0;
  s = neg_s ? -s0 : s0;
}

// erf⁻¹(x) for |x| with −ln(1 − x²) < 5, i.e. |√2·erf⁻¹(x)| < 2.93
// (Giles 2010, "Approximating the erfinv function", single-precision central branch).
inline f8 erfinv_central(f8 x) {
  const f8 w = -log_unit((splat(1.0f) - x) * (splat(1.0f) + x)) - splat(2.5f);
  f8 p = splat(2.81022636e-08f);
  p = splat(3.43273939e-07f) + p * w;
  p = splat(-3.5233877e-06f) + p * w;
  p = splat(-4.39150654e-06f) + p * w;
  p = splat(0.00021858087f) + p * w;
  p = splat(-0.00125372503f) + p * w;
  p = splat(-0.00417768164f) + p * w;
  p = splat(0.246640727f) + p * w;
  p = splat(1.50140941f) + p * w;
  return p * x;
}

// ---- batch transforms: 4 word vectors (one batch of 8 blocks) → 4 float vectors ----

struct UniformOp {
  f8 lo, width, below_hi;
  void operator()(const u8 w[4], f8 out[4]) const {
    for (int k = 0; k < 4; ++k) {
      const f8 x = lo + width * unit_uniform(w[k]);
      out[k] = x < below_hi ? x : below_hi;  // keep the interval half-open after rounding
    }
  }
};

struct NormalOp {
  f8 mean, stddev;
  void operator()(const u8 w[4], f8 out[4]) const {
    for (int pair = 0; pair < 2; ++pair) {
      const f8 u1 = unit_uniform(w[2 * pair]) + splat(5.9604644775390625e-8f);  // (0, 1]
      const f8 u2 = unit_uniform(w[2 * pair + 1]);
      const f8 radius = vsqrt(splat(-2.0f) * log_unit(u1));
      f8 c, s;
      sincos_2pi(u2, c, s);
      out[2 * pair] = mean + stddev * (radius * c);
      out[2 * pair + 1] = mean + stddev * (radius * s);
    }
  }
};

// Inverse CDF for truncation points inside ±2.9σ: p = pa + u·pw, z = √2·erf⁻¹(2p − 1).
struct TruncatedOp {
  f8 pa, pw, mean, stddev, zlo, zhi;
  void operator()(const u8 w[4], f8 out[4]) const {
    for (int k = 0; k < 4; ++k) {
      const f8 p = pa + pw * unit_uniform(w[k]);
      f8 z = splat(1.41421356237309505f) * erfinv_central(splat(2.0f) * p - splat(1.0f));
      z = z < zlo ? zlo : z;
      z = z > zhi ? zhi : z;
      out[k] = mean + stddev * z;
    }
  }
};

// Fills out[0..n) with elements e0.. of the stream (e0 a multiple of 4).
template <class Op>
void fill_with(const PhiloxKey& key, uint64_t e0, float* out, int64_t n, const Op& op) {
  uint64_t j = e0 / 4;
  u8 words[4];
  f8 values[4];
  int64_t done = 0;
  while (done < n) {
    if ((static_cast<uint32_t>(j) > 0xFFFFFFF8u)) {
      // The low counter word would wrap inside this batch: one block at a time.
      // Lane 0 is block j (it does not wrap); the other lanes are not used.
      float tmp[4];
      philox8(key, j, words);
      op(words, values);
      for (int k = 0; k < 4; ++k) tmp[k] = values[k][0];
      const int64_t take = n - done < 4 ? n - done : 4;
      std::memcpy(out + done, tmp, static_cast<size_t>(take) * sizeof(float));
      done += take;
      j += 1;
      continue;
    }
    philox8(key, j, words);
    op(words, values);
    if (n - done >= 32) {
      store_interleaved(values, out + done);
      done += 32;
    } else {
      float tmp[32];
      store_interleaved(values, tmp);
      std::memcpy(out + done, tmp, static_cast<size_t>(n - done) * sizeof(float));
      done = n;
    }
    j += 8;
  }
}

inline void fill_uniform(const PhiloxKey& key, uint64_t e0, float* out, int64_t n, float lo,
                         float width, float below_hi) {
  fill_with(key, e0, out, n, UniformOp{splat(lo), splat(width), splat(below_hi)});
}

inline void fill_normal(const PhiloxKey& key, uint64_t e0, float* out, int64_t n, float mean,
                        float stddev) {
  fill_with(key, e0, out, n, NormalOp{splat(mean), splat(stddev)});
}

inline void fill_truncated(const PhiloxKey& key, uint64_t e0, float* out, int64_t n,
                           const TruncatedParams& t) {
  fill_with(key, e0, out, n,
            TruncatedOp{splat(t.pa), splat(t.pw), splat(t.mean), splat(t.stddev), splat(t.zlo),
                        splat(t.zhi)});
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
