// Dense linear algebra through OpenBLAS's LAPACK.
#pragma once

#include <cstdint>

namespace initlab {

/// Replaces the m×n column-major matrix A (m >= n, leading dimension m) by the Q
/// of its reduced QR factorization A = QR, with column j multiplied by
/// sign(R_jj) so that R has a non-negative diagonal — the unique, Haar-distributed
/// choice (Mezzadri 2007). Uses sgeqrf + sorgqr.
void orthonormalize_columns(float* a, int64_t m, int64_t n);

}  // namespace initlab
