// The machine's single-threaded sgemm rate at the exact products that
// training the benchmark models performs (bench/train_bench.cpp), each called
// in a tight loop on operands that stay in the caches — the ceiling against
// which the GEMM time inside training is judged (bench/README.md, "GEMM
// efficiency"). Reported as GFLOP/s (2·m·n·k per call).
//
//   deep_mlp, batch 64:   784→64 and 64→64 layers: forward x·W (nn), weight
//                         gradient xᵀ·dz (tn), input gradient dz·Wᵀ (nt);
//                         the 64→10 output layer.
//   cnn, batch 32/128:    Conv2D(32, 3×3) on 28×28×1 as im2col blocks of 19
//                         output lines (494 patches × 9): forward (nn) and
//                         kernel gradient (tn); Dense(5408 → 10): forward,
//                         weight gradient.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "initlab/core/blas.hpp"
#include "initlab/core/random_stream.hpp"

extern "C" char* openblas_get_corename(void);

namespace {

struct Product {
  const char* name;
  bool ta, tb;
  int64_t m, n, k;
};

const std::vector<Product> kProducts = {
    {"mlp_b64/first_fwd_nn", false, false, 64, 64, 784},
    {"mlp_b64/first_wgrad_tn", true, false, 784, 64, 64},
    {"mlp_b64/hidden_fwd_nn", false, false, 64, 64, 64},
    {"mlp_b64/hidden_wgrad_tn", true, false, 64, 64, 64},
    {"mlp_b64/hidden_dgrad_nt", false, true, 64, 64, 64},
    {"mlp_b64/out_fwd_nn", false, false, 64, 10, 64},
    {"mlp_b64/out_wgrad_tn", true, false, 64, 10, 64},
    {"mlp_b64/out_dgrad_nt", false, true, 64, 64, 10},
    {"cnn/conv_fwd_nn", false, false, 494, 32, 9},
    {"cnn/conv_wgrad_tn", true, false, 9, 32, 494},
    {"cnn_b32/dense_fwd_nn", false, false, 32, 10, 5408},
    {"cnn_b32/dense_wgrad_tn", true, false, 5408, 10, 32},
    {"cnn_b32/dense_dgrad_nt", false, true, 32, 5408, 10},
    {"cnn_b128/dense_fwd_nn", false, false, 128, 10, 5408},
    {"cnn_b128/dense_wgrad_tn", true, false, 5408, 10, 128},
    {"cnn_b128/dense_dgrad_nt", false, true, 128, 5408, 10},
};

std::vector<float> random_values(int64_t n, uint64_t stream) {
  std::vector<float> v(static_cast<size_t>(n));
  initlab::RandomStream(7, stream).fill_uniform(v, -1.0f, 1.0f);
  return v;
}

void run_product(benchmark::State& state, const Product& p) {
  // Stored shapes: A is (m, k), or (k, m) when transposed; B is (k, n), or (n, k).
  const int64_t lda = p.ta ? p.m : p.k, ldb = p.tb ? p.k : p.n;
  const std::vector<float> a = random_values(p.m * p.k, 1), b = random_values(p.k * p.n, 2);
  std::vector<float> c(static_cast<size_t>(p.m * p.n));
  for (auto _ : state) {
    initlab::gemm_serial(p.ta, p.tb, p.m, p.n, p.k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), p.n);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * static_cast<double>(p.m * p.n * p.k);
  state.counters["GFLOPS"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::AddCustomContext("openblas_corename", openblas_get_corename());
  for (const auto& p : kProducts) {
    benchmark::RegisterBenchmark(p.name, [p](benchmark::State& s) { run_product(s, p); })->MinTime(0.2);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
