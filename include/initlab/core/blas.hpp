// Matrix products through CBLAS (OpenBLAS), row-major, float32.
#pragma once

#include <cstdint>
#include <span>

namespace initlab {

/// C (m×n) = alpha · op(A) · op(B) + beta · C, all row-major; op(X) = Xᵀ when
/// the flag is set. lda/ldb/ldc are the row strides of the stored matrices.
/// C is cut into a fixed grid of tiles computed in parallel by single-threaded
/// OpenBLAS calls, so the result is identical on any number of threads.
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

/// The same product as one single-threaded OpenBLAS call on the calling
/// thread, without tiling: for kernels that run it inside their own
/// parallel loop over a grid of blocks that depends on the shapes only.
void gemm_serial(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

/// One product C = alpha · op(A) · op(B) + beta · C, as gemm() takes it.
struct GemmCall {
  bool trans_a = false, trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  float alpha = 1.0f;
  const float* a = nullptr;
  int64_t lda = 0;
  const float* b = nullptr;
  int64_t ldb = 0;
  float beta = 0.0f;
  float* c = nullptr;
  int64_t ldc = 0;
};

/// Independent products (no C overlaps another call's operands): each gives
/// exactly what gemm() gives for it. Products too small to split run side by
/// side, one per thread (a layer's weight and input gradients, say); the
/// others run one after the other, each split as gemm() splits it.
void gemm_independent(std::span<const GemmCall> calls);

}  // namespace initlab
