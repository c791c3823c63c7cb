// Speed of initlab's weight-initialization fills (Google Benchmark).
//
// Every fill writes 2^26 floats (256 MiB, far larger than any cache) into one
// tensor allocated once, outside the timed loops, and touched before timing.
// Orthogonal is timed on 1024×1024 and 4096×4096. Each case runs on 1 and 2
// threads (the benchmark argument, applied with initlab::set_num_threads).
//
// `store` is the reference: a plain loop storing a constant over the same
// 2^26 floats, split across the threads like the fills. Its floats/s is the
// machine's write bandwidth as seen by ordinary (cached) stores, i.e. the
// ceiling for any fill that writes its output once.
//
// Throughput is reported as items_per_second = floats written per second.
// bench/run-init-bench runs this with --benchmark_format=json next to
// bench/torch_init_bench.py and prints the comparison table.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>

#include "initlab/core/parallel.hpp"
#include "initlab/core/random_stream.hpp"
#include "initlab/core/tensor.hpp"
#include "initlab/init/initializer.hpp"

extern "C" char* openblas_get_corename(void);

namespace {

using initlab::Initializer;
using initlab::RandomStream;
using initlab::Shape;
using initlab::Tensor;

constexpr int64_t kSide = 8192;
constexpr int64_t kFillCount = kSide * kSide;  // 2^26 floats
constexpr uint64_t kSeed = 1234;

// The 2^26-float target shared by every fill case: allocated (and zero-filled,
// so every page is mapped) on first use, before any timed loop.
Tensor& fill_target() {
  static Tensor t(Shape{kSide, kSide});
  return t;
}

int threads_arg(const benchmark::State& state) { return static_cast<int>(state.range(0)); }

// Times `fill(tensor)` on the shared 2^26-float tensor. No warm-up call here:
// Google Benchmark's first, unreported probe run of each case is the warm-up.
template <class Fill>
void run_fill(benchmark::State& state, Fill&& fill) {
  initlab::set_num_threads(threads_arg(state));
  Tensor& t = fill_target();
  for (auto _ : state) {
    fill(t);
    benchmark::DoNotOptimize(t.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * t.size());
  state.SetBytesProcessed(state.iterations() * t.size() * static_cast<int64_t>(sizeof(float)));
}

// ---- reference: plain stores -------------------------------------------------

void BM_store(benchmark::State& state) {
  const int threads = threads_arg(state);
  initlab::set_num_threads(threads);
  Tensor& t = fill_target();
  float* data = t.data();
  const int64_t n = t.size();
  float value = 1.5f;  // not a byte pattern, so the loop cannot become memset
  for (auto _ : state) {
    // The fills' chunks (RandomStream's grain of 2^16 floats, 32-aligned), spread by parallel_for.
    initlab::parallel_for(0, n, int64_t{1} << 16, [&](int64_t lo, int64_t hi) { std::fill(data + lo, data + hi, value); },
                          /*align=*/32);
    benchmark::DoNotOptimize(data);
    benchmark::ClobberMemory();
    value += 1.0f;
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * static_cast<int64_t>(sizeof(float)));
}

// ---- RandomStream fills ----------------------------------------------------------

void BM_uniform(benchmark::State& state) {
  const RandomStream stream(kSeed, 7);
  run_fill(state, [&](Tensor& t) { stream.fill_uniform(t.values()); });
}

void BM_normal(benchmark::State& state) {
  const RandomStream stream(kSeed, 7);
  run_fill(state, [&](Tensor& t) { stream.fill_normal(t.values()); });
}

void BM_truncated_normal(benchmark::State& state) {
  const RandomStream stream(kSeed, 7);
  run_fill(state, [&](Tensor& t) { stream.fill_truncated_normal(t.values(), 0.0f, 1.0f, -2.0, 2.0); });
}

// ---- named initializers, as a layer calls them -----------------------------------

void BM_initializer(benchmark::State& state, const char* id) {
  const Initializer init(id);
  run_fill(state, [&](Tensor& t) { init.fill(t, "bench/kernel"); });
}

// ---- orthogonal (initlab's blocked QR on OpenBLAS kernels) ---------------------

void BM_orthogonal(benchmark::State& state, int64_t side) {
  initlab::set_num_threads(threads_arg(state));
  Tensor t(Shape{side, side});
  const Initializer init("orthogonal");
  for (auto _ : state) {
    init.fill(t, "bench/kernel");
    benchmark::DoNotOptimize(t.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * t.size());
}

// Fills: each repetition runs for at least 0.3 s; the runner keeps the best of 3.
void fill_case(benchmark::internal::Benchmark* b) {
  b->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.3)->Repetitions(3);
}

}  // namespace

BENCHMARK(BM_store)->Name("store")->Apply(fill_case);
BENCHMARK(BM_uniform)->Name("uniform")->Apply(fill_case);
BENCHMARK(BM_normal)->Name("normal")->Apply(fill_case);
BENCHMARK(BM_truncated_normal)->Name("truncated_normal")->Apply(fill_case);
BENCHMARK_CAPTURE(BM_initializer, glorot_uniform, "glorot_uniform")->Name("glorot_uniform")->Apply(fill_case);
BENCHMARK_CAPTURE(BM_initializer, he_normal, "he_normal")->Name("he_normal")->Apply(fill_case);
// initlab's PyTorch-family kaiming_normal (untruncated, like torch's kaiming_normal_);
// Keras's he_normal above is a truncated normal.
BENCHMARK_CAPTURE(BM_initializer, kaiming_normal, "kaiming_normal")->Name("kaiming_normal")->Apply(fill_case);
BENCHMARK_CAPTURE(BM_orthogonal, 1024, int64_t{1024})
    ->Name("orthogonal_1024")
    ->ArgName("threads")->Arg(1)->Arg(2)
    ->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.3)->Repetitions(3);
// A 4096² QR takes seconds: one timed call per repetition, best of 2.
BENCHMARK_CAPTURE(BM_orthogonal, 4096, int64_t{4096})
    ->Name("orthogonal_4096")
    ->ArgName("threads")->Arg(1)->Arg(2)
    ->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(2);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  initlab::set_dynamic_threads(false);  // every case runs exactly the threads it names
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  benchmark::AddCustomContext("openblas_corename", openblas_get_corename());
  benchmark::AddCustomContext("OPENBLAS_CORETYPE", coretype != nullptr ? coretype : "(unset)");
  const char* no_avx2 = std::getenv("INITLAB_NO_AVX2");
  const bool avx2 = (no_avx2 == nullptr || *no_avx2 == '\0') && __builtin_cpu_supports("avx2");
  benchmark::AddCustomContext("initlab_random_kernels", avx2 ? "avx2" : "generic");
  benchmark::AddCustomContext("hardware_threads", std::to_string(std::thread::hardware_concurrency()));
  benchmark::AddCustomContext("fill_floats", std::to_string(kFillCount));
  fill_target();  // allocate and map the 256 MiB target before any timing
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
