#include "initlab/core/blas.hpp"

#include <cblas.h>

#include <algorithm>
#include <vector>

#include "initlab/core/parallel.hpp"
#include "openblas_threads.hpp"

namespace initlab {
namespace {

// C is cut into tiles of this many rows (or columns, when C is short and wide).
// The grid depends on the shapes only, and each tile is one single-threaded
// sgemm call, so every element is computed by the same kernel with the same
// summation order on any number of threads. (OpenBLAS's own threading picks
// different kernels and splits for different thread counts, and its results
// then differ in the last bits.)
constexpr int64_t kMinTile = 32;
// About this many tiles per product: enough for a few threads, few enough
// that OpenBLAS does not repack the shared operand for every small tile.
constexpr int64_t kTargetTiles = 4;
// Below this many multiply-adds a product runs as one call on the calling
// thread: splitting a 64×64×64 product in two costs more (each half repacks
// the shared operand, and the threads meet at a barrier) than it saves.
constexpr int64_t kMinParallelWork = int64_t{1} << 19;

bool is_small(int64_t m, int64_t n, int64_t k) { return m * n * k < kMinParallelWork; }

int64_t tile_size(int64_t extent) {
  const int64_t even = (extent + kTargetTiles - 1) / kTargetTiles;
  return std::max(kMinTile, (even + 15) / 16 * 16);
}

void sgemm_call(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a, static_cast<blasint>(lda), b,
              static_cast<blasint>(ldb), beta, c, static_cast<blasint>(ldc));
}

}  // namespace

void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  detail::use_single_threaded_blas();
  sgemm_call(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  detail::use_single_threaded_blas();
  if (is_small(m, n, k)) {
    sgemm_call(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else if (m >= 2 * kMinTile) {
    // Row tiles: rows [r, r + h) of C need rows of op(A) only.
    const int64_t tile = tile_size(m);
    const int64_t tiles = (m + tile - 1) / tile;
    parallel_for(0, tiles, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t r = t * tile, h = std::min(tile, m - r);
        const float* a_rows = trans_a ? a + r : a + r * lda;  // op(A) rows r.. are A's columns when transposed
        sgemm_call(trans_a, trans_b, h, n, k, alpha, a_rows, lda, b, ldb, beta, c + r * ldc, ldc);
      }
    });
  } else if (n >= 2 * kMinTile) {
    // Column tiles: columns [s, s + w) of C need columns of op(B) only.
    const int64_t tile = tile_size(n);
    const int64_t tiles = (n + tile - 1) / tile;
    parallel_for(0, tiles, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t s = t * tile, w = std::min(tile, n - s);
        const float* b_cols = trans_b ? b + s * ldb : b + s;
        sgemm_call(trans_a, trans_b, m, w, k, alpha, a, lda, b_cols, ldb, beta, c + s, ldc);
      }
    });
  } else {
    sgemm_call(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

void gemm_independent(std::span<const GemmCall> calls) {
  // The small products, each one single call as gemm() makes it: the same
  // bits whichever thread runs it.
  std::vector<const GemmCall*> small;
  for (const auto& g : calls) {
    if (g.m > 0 && g.n > 0 && is_small(g.m, g.n, g.k)) small.push_back(&g);
  }
  if (small.size() > 1) {
    detail::use_single_threaded_blas();
    parallel_for(0, static_cast<int64_t>(small.size()), 1, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        const GemmCall& g = *small[static_cast<size_t>(i)];
        gemm_serial(g.trans_a, g.trans_b, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc);
      }
    });
  }
  for (const auto& g : calls) {
    if (small.size() > 1 && std::find(small.begin(), small.end(), &g) != small.end()) continue;
    gemm(g.trans_a, g.trans_b, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc);
  }
}

}  // namespace initlab
