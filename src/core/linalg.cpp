#include "initlab/core/linalg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "initlab/core/error.hpp"
#include "initlab/core/parallel.hpp"
#include "openblas_threads.hpp"

extern "C" {
// LAPACK (Fortran ABI, with the hidden lengths of CHARACTER arguments), from OpenBLAS.
void sgeqr2_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work, int* info);
void sorg2r_(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau, float* work,
             int* info);
void slarft_(const char* direct, const char* storev, const int* n, const int* k, const float* v, const int* ldv,
             const float* tau, float* t, const int* ldt, size_t, size_t);
void slarfb_(const char* side, const char* trans, const char* direct, const char* storev, const int* m, const int* n,
             const int* k, const float* v, const int* ldv, const float* t, const int* ldt, float* c, const int* ldc,
             float* work, const int* ldwork, size_t, size_t, size_t, size_t);
}

namespace initlab {
namespace {

// Householder panel width and the width of the column blocks the trailing
// updates are cut into. Both are fixed, so the sequence of BLAS calls (and
// hence every rounding) is the same on any number of threads; threads only
// decide who runs which block.
constexpr int kPanel = 32;
constexpr int kColumnBlock = 128;

// Applies the block reflector H = I − V T Vᵀ (V: rows×k at v, T: k×k) from the
// left — Hᵀ when `transpose` — to the rows×cols matrix at c, in fixed column blocks.
void apply_block_reflector(bool transpose, int rows, int cols, int k, const float* v, int ld, const float* t,
                           float* c) {
  const int blocks = (cols + kColumnBlock - 1) / kColumnBlock;
  parallel_for(0, blocks, 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> work(static_cast<size_t>(kColumnBlock) * static_cast<size_t>(k));
    for (int64_t blk = lo; blk < hi; ++blk) {
      const int c0 = static_cast<int>(blk) * kColumnBlock;
      const int w = std::min(kColumnBlock, cols - c0);
      slarfb_("L", transpose ? "T" : "N", "F", "C", &rows, &w, &k, v, &ld, t, &kPanel,
              c + static_cast<int64_t>(c0) * ld, &ld, work.data(), &w, 1, 1, 1, 1);
    }
  });
}

}  // namespace

// Blocked Householder QR (the algorithm of LAPACK's sgeqrf and sorgqr, with
// their unblocked kernels for the panels), parallel over column blocks of the
// trailing matrix.
void orthonormalize_columns(float* a, int64_t m64, int64_t n64) {
  if (m64 < n64 || n64 < 0 || m64 > INT_MAX) {
    throw ValueError(
        fmt::format("orthonormalize_columns: expected rows >= cols and rows < 2^31, got {}×{}", m64, n64));
  }
  if (n64 == 0) return;
  const int m = static_cast<int>(m64), n = static_cast<int>(n64);
  auto at = [&](int row, int col) { return a + static_cast<int64_t>(col) * m + row; };
  // Single-threaded BLAS inside each call; the parallelism is ours.
  const detail::SingleThreadedBlas single_threaded_blas;
  std::vector<float> tau(static_cast<size_t>(n)), t(static_cast<size_t>(kPanel) * kPanel), work(kPanel);
  int info = 0;

  // Factor A = QR: panels left to right.
  for (int k = 0; k < n; k += kPanel) {
    const int b = std::min(kPanel, n - k), rows = m - k;
    sgeqr2_(&rows, &b, at(k, k), &m, tau.data() + k, work.data(), &info);
    if (k + b < n) {
      slarft_("F", "C", &rows, &b, at(k, k), &m, tau.data() + k, t.data(), &kPanel, 1, 1);
      apply_block_reflector(true, rows, n - k - b, b, at(k, k), m, t.data(), at(k, k + b));
    }
  }
  std::vector<float> sign(static_cast<size_t>(n));
  for (int j = 0; j < n; ++j) {
    const float r = *at(j, j);
    sign[static_cast<size_t>(j)] = r > 0 ? 1.0f : (r < 0 ? -1.0f : 0.0f);
  }

  // Form Q = H_1 … H_n [I; 0]: panels right to left.
  const int last = (n - 1) / kPanel * kPanel;
  for (int k = last; k >= 0; k -= kPanel) {
    const int b = std::min(kPanel, n - k), rows = m - k;
    if (k + b < n) {
      slarft_("F", "C", &rows, &b, at(k, k), &m, tau.data() + k, t.data(), &kPanel, 1, 1);
      apply_block_reflector(false, rows, n - k - b, b, at(k, k), m, t.data(), at(k, k + b));
    }
    sorg2r_(&rows, &b, &b, at(k, k), &m, tau.data() + k, work.data(), &info);
    for (int j = k; j < k + b; ++j) std::fill(at(0, j), at(k, j), 0.0f);
  }

  // R's diagonal made non-negative: Q's column j times sign(R_jj).
  parallel_for(0, n, 64, [&](int64_t lo, int64_t hi) {
    for (int64_t j = lo; j < hi; ++j) {
      float* col = at(0, static_cast<int>(j));
      const float s = sign[static_cast<size_t>(j)];
      for (int i = 0; i < m; ++i) col[i] *= s;
    }
  });
}

}  // namespace initlab
