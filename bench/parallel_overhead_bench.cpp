// What handing work to other threads costs, and where splitting starts to
// pay: the measurements behind the thresholds in src/core/parallel.cpp and
// src/core/blas.cpp.
//
//   initlab_bench_parallel [--threads 2] [--reps 2000]
//
// Prints, for 1 thread and for --threads threads (exact counts, dynamic
// threads off), the median time per call of:
//   * parallel_for over 2 empty chunks, back to back (workers still spinning)
//     and 1 ms apart (workers asleep: the caller pays the wake-up);
//   * gemm of an n×n by n×n product for n around the split threshold;
//   * gemm_independent of a Dense layer's two gradient products (batch × width
//     × width), the deep MLP's backward step;
//   * an element-wise loop (y = y + a·x) over n floats at a grain of n / 2.
// A plain program; its output is a table on stdout.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "initlab/core/blas.hpp"
#include "initlab/core/parallel.hpp"

namespace {

using Clock = std::chrono::steady_clock;

template <class F>
double median_us(int reps, F&& f, int gap_us = 0) {
  std::vector<double> t(static_cast<size_t>(reps));
  for (int i = 0; i < reps; ++i) {
    if (gap_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(gap_us));
    const auto t0 = Clock::now();
    f();
    t[static_cast<size_t>(i)] = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  }
  std::nth_element(t.begin(), t.begin() + reps / 2, t.end());
  return t[static_cast<size_t>(reps / 2)];
}

void exactly(int n) {
  initlab::set_num_threads(n);
  initlab::set_dynamic_threads(false);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, reps = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::max(2, std::atoi(argv[i + 1]));
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::max(11, std::atoi(argv[i + 1]));
  }
  std::printf("%-44s %12s %12s %8s\n", "operation", "1 thread µs", "N threads µs", "speedup");
  auto row = [&](const std::string& name, auto&& f, int gap_us = 0, int r = 0) {
    const int n = r > 0 ? r : reps;
    exactly(1);
    f();
    const double one = median_us(n, f, gap_us);
    exactly(threads);
    f();
    const double many = median_us(n, f, gap_us);
    std::printf("%-44s %12.2f %12.2f %7.2fx\n", name.c_str(), one, many, one / many);
    std::fflush(stdout);
  };

  volatile int64_t sink = 0;
  auto empty2 = [&] { initlab::parallel_for(0, 2, 1, [&](int64_t lo, int64_t hi) { sink = sink + hi - lo; }); };
  row("parallel_for, 2 empty chunks, back to back", empty2);
  row("parallel_for, 2 empty chunks, 1 ms apart", empty2, 1000, std::min(reps, 500));

  for (int64_t n : {32, 48, 64, 80, 96, 128, 160, 192, 256}) {
    std::vector<float> a(static_cast<size_t>(n * n), 0.5f), b(a), c(a);
    row("gemm " + std::to_string(n) + "³ (" + std::to_string(n * n * n / 1024) + " Ki MACs)", [&] {
      initlab::gemm(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    }, 0, n >= 192 ? std::min(reps, 300) : 0);
  }

  for (int64_t width : {32, 64, 128}) {
    const int64_t batch = 64;
    std::vector<float> x(static_cast<size_t>(batch * width), 0.5f), dz(x), w(static_cast<size_t>(width * width), 0.1f);
    std::vector<float> dw(w.size()), dx(x.size());
    const initlab::GemmCall calls[2] = {
        {.trans_a = true, .m = width, .n = width, .k = batch, .a = x.data(), .lda = width, .b = dz.data(),
         .ldb = width, .c = dw.data(), .ldc = width},
        {.trans_b = true, .m = batch, .n = width, .k = width, .a = dz.data(), .lda = width, .b = w.data(),
         .ldb = width, .c = dx.data(), .ldc = width}};
    row("gemm_independent dW, dX (b64, width " + std::to_string(width) + ")",
        [&] { initlab::gemm_independent(calls); });
  }

  for (int64_t n : {4096, 16384, 65536, 262144, 1048576}) {
    std::vector<float> x(static_cast<size_t>(n), 1.0f), y(x);
    row("axpy over " + std::to_string(n) + " floats, 2 chunks", [&] {
      initlab::parallel_for(0, n, n / 2, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) y[static_cast<size_t>(i)] += 0.5f * x[static_cast<size_t>(i)];
      });
    }, 0, n >= 262144 ? std::min(reps, 300) : 0);
  }
  return 0;
}
