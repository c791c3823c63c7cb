// The table of random-fill kernels, one per instruction set (internal).
#pragma once

#include <cstdint>

namespace initlab::detail {

/// Philox key words (the seed) and the two high counter words (the stream id).
struct PhiloxKey {
  uint32_t k0, k1;  // seed mod 2^32, seed div 2^32
  uint32_t s0, s1;  // stream id mod 2^32, stream id div 2^32
};

/// Inverse-CDF truncated normal: p = pa + u·pw; z = Φ⁻¹(p) clamped to [zlo, zhi].
struct TruncatedParams {
  float pa, pw, mean, stddev, zlo, zhi;
};

struct KernelTable {
  // out[0..n) = elements e0.. of the stream (e0 a multiple of 4).
  void (*uniform)(const PhiloxKey&, uint64_t e0, float* out, int64_t n, float lo, float width,
                  float below_hi);
  void (*normal)(const PhiloxKey&, uint64_t e0, float* out, int64_t n, float mean, float stddev);
  void (*truncated)(const PhiloxKey&, uint64_t e0, float* out, int64_t n, const TruncatedParams&);
  // out[4b + k] = word k of block j0 + b.
  void (*blocks)(const PhiloxKey&, uint64_t j0, uint32_t* out, int64_t count);
};

const KernelTable& generic_kernels();
const KernelTable& avx2_kernels();
/// AVX2 when the CPU has it and INITLAB_NO_AVX2 is unset, else generic.
const KernelTable& best_kernels();

}  // namespace initlab::detail
