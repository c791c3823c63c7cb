#include "initlab/core/parallel.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>

#include "initlab/core/error.hpp"

namespace initlab {
namespace {

int default_threads() {
  if (const char* env = std::getenv("INITLAB_NUM_THREADS"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != nullptr && *end == '\0' && n >= 1 && n <= 1024) return static_cast<int>(n);
    throw ValueError(fmt::format(
        "INITLAB_NUM_THREADS='{}': expected a whole number of threads from 1 to 1024", env));
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::atomic<int>& thread_setting() {
  static std::atomic<int> n{default_threads()};
  return n;
}

}  // namespace

int num_threads() { return thread_setting().load(std::memory_order_relaxed); }

void set_num_threads(int n) {
  if (n < 1) throw ValueError(fmt::format("set_num_threads: expected n >= 1, got {}", n));
  thread_setting().store(n, std::memory_order_relaxed);
}

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& body, int64_t align) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  align = std::max<int64_t>(align, 1);
  const int64_t max_chunks = std::max<int64_t>(1, n / grain);
  const int threads = static_cast<int>(std::min<int64_t>(num_threads(), max_chunks));
  if (threads <= 1 || omp_in_parallel()) {
    body(begin, end);
    return;
  }
  // One contiguous range per thread, boundaries rounded to `align`.
  int64_t per = (n + threads - 1) / threads;
  per = (per + align - 1) / align * align;
  std::exception_ptr error;
  std::mutex error_mutex;
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) {
    const int64_t lo = begin + t * per;
    const int64_t hi = std::min(end, lo + per);
    if (lo >= hi) continue;
    try {
      body(lo, hi);
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace initlab
