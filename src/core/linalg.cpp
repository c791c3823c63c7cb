#include "initlab/core/linalg.hpp"

#include <fmt/format.h>

#include <climits>
#include <vector>

#include "initlab/core/error.hpp"
#include "initlab/core/parallel.hpp"

extern "C" {
// LAPACK (Fortran ABI), provided by OpenBLAS.
void sgeqrf_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work,
             const int* lwork, int* info);
void sorgqr_(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau,
             float* work, const int* lwork, int* info);
void openblas_set_num_threads(int n);
}

namespace initlab {

void orthonormalize_columns(float* a, int64_t m64, int64_t n64) {
  if (m64 < n64 || n64 < 0 || m64 > INT_MAX) {
    throw ValueError(fmt::format("orthonormalize_columns: expected rows >= cols, rows < 2^31; got {}×{}", m64, n64));
  }
  if (n64 == 0) return;
  const int m = static_cast<int>(m64), n = static_cast<int>(n64);
  // One BLAS thread: OpenBLAS's threaded LAPACK rounds differently on different thread counts.
  openblas_set_num_threads(1);
  std::vector<float> tau(static_cast<size_t>(n));
  int info = 0, lwork = -1;
  float query = 0;
  sgeqrf_(&m, &n, a, &m, tau.data(), &query, &lwork, &info);
  int lwork2 = -1;
  float query2 = 0;
  sorgqr_(&m, &n, &n, a, &m, tau.data(), &query2, &lwork2, &info);
  lwork = static_cast<int>(std::max(query, query2)) + 1;
  std::vector<float> work(static_cast<size_t>(lwork));
  sgeqrf_(&m, &n, a, &m, tau.data(), work.data(), &lwork, &info);
  if (info != 0) throw Error(fmt::format("LAPACK sgeqrf failed with info {}", info));
  std::vector<float> sign(static_cast<size_t>(n));
  for (int j = 0; j < n; ++j) {
    const float r = a[static_cast<int64_t>(j) * m + j];
    sign[static_cast<size_t>(j)] = r > 0 ? 1.0f : (r < 0 ? -1.0f : 0.0f);
  }
  sorgqr_(&m, &n, &n, a, &m, tau.data(), work.data(), &lwork, &info);
  if (info != 0) throw Error(fmt::format("LAPACK sorgqr failed with info {}", info));
  for (int j = 0; j < n; ++j) {
    float* col = a + static_cast<int64_t>(j) * m;
    const float s = sign[static_cast<size_t>(j)];
    for (int i = 0; i < m; ++i) col[i] *= s;
  }
}

}  // namespace initlab
