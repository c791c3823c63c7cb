#include "initlab/core/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "core/openblas_threads.hpp"
#include "core/thread_pool.hpp"
#include "initlab/core/available_cpus.hpp"
#include "initlab/core/error.hpp"

// Cost of handing chunks to the pool (bench/parallel_overhead_bench, release
// build, the 2-core KVM machine of bench/README.md, idle): a parallel_for of
// two empty chunks takes 0.3–0.6 µs when the worker is still spinning from
// the previous loop and 3–5 µs of the caller's time when it must be woken
// (the futex call; the worker itself starts 10–60 µs later, and the caller
// takes the chunks it has not reached yet). A chunk should therefore hold
// ≳ 10 µs of work for a split to pay; the callers' grains say so per loop,
// and gemm's threshold in src/core/blas.cpp is measured the same way.

namespace initlab {
namespace {

constexpr int kMaxThreads = 1024;

// INITLAB_NUM_THREADS: 0 when unset; a message when malformed (thrown at every use).
struct EnvThreads {
  int n = 0;
  std::string error;
};

const EnvThreads& env_threads() {
  static const EnvThreads env = [] {
    EnvThreads e;
    const char* text = std::getenv("INITLAB_NUM_THREADS");
    if (text == nullptr || *text == '\0') return e;
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(text, &end, 10);
    if (errno == 0 && end != text && *end == '\0' && n >= 1 && n <= kMaxThreads) {
      e.n = static_cast<int>(n);
    } else {
      std::string shown(text, strnlen(text, 40));
      if (shown.size() == 40) shown += "…";
      e.error = fmt::format("INITLAB_NUM_THREADS='{}': expected a whole number of threads from 1 to {}", shown,
                            kMaxThreads);
    }
    return e;
  }();
  return env;
}

std::atomic<int> g_requested{0};  // set_num_threads; 0: none

bool default_dynamic() {
  const char* text = std::getenv("INITLAB_DYNAMIC_THREADS");
  if (text == nullptr || *text == '\0') return true;
  const std::string v(text);
  if (v == "0" || v == "false" || v == "off" || v == "no") return false;
  if (v == "1" || v == "true" || v == "on" || v == "yes") return true;
  throw ValueError(fmt::format("INITLAB_DYNAMIC_THREADS='{}': expected 0 or 1",
                               v.size() > 40 ? v.substr(0, 40) + "…" : v));
}

std::atomic<int>& dynamic_setting() {  // 1 on, 0 off
  static std::atomic<int> on{default_dynamic() ? 1 : 0};
  return on;
}

struct Range {
  const std::function<void(int64_t, int64_t)>* body;
  int64_t begin, end, size;
};

void run_chunk(void* ctx, int64_t chunk) {
  const auto& r = *static_cast<const Range*>(ctx);
  const int64_t lo = r.begin + chunk * r.size;
  (*r.body)(lo, r.end - lo <= r.size ? r.end : lo + r.size);
}

// Threads for a loop of `chunks` chunks: the cap, then the CPUs other work leaves free.
int team_for(int64_t chunks) {
  int team = static_cast<int>(std::min<int64_t>(num_threads(), chunks));
  if (team > 1 && dynamic_threads()) team = std::min(team, idle_cpus(1 + detail::awake_pool_workers()));
  return team;
}

}  // namespace

int num_threads() {
  const EnvThreads& env = env_threads();
  if (!env.error.empty()) throw ValueError(env.error);
  if (env.n > 0) return env.n;
  const int requested = g_requested.load(std::memory_order_relaxed);
  return requested > 0 ? requested : available_cpus();
}

void set_num_threads(int n) {
  if (n < 1 || n > kMaxThreads) {
    throw ValueError(fmt::format("set_num_threads: expected a thread count from 1 to {}, got {}", kMaxThreads, n));
  }
  g_requested.store(n, std::memory_order_relaxed);
}

void reset_num_threads() { g_requested.store(0, std::memory_order_relaxed); }

bool dynamic_threads() { return dynamic_setting().load(std::memory_order_relaxed) != 0; }
void set_dynamic_threads(bool on) { dynamic_setting().store(on ? 1 : 0, std::memory_order_relaxed); }

ChunkGrid chunk_grid(int64_t n, int64_t grain, int64_t align) {
  if (n <= 0) return {};
  grain = std::max<int64_t>(grain, 1);
  align = std::max<int64_t>(align, 1);
  // At most kMaxChunks chunks, at least `grain` each, rounded up to `align`
  // (divisions, never n + k − 1, so that no size near INT64_MAX overflows).
  int64_t size = std::max(grain, n / kMaxChunks + (n % kMaxChunks != 0));
  if (size % align != 0) size = size > INT64_MAX - align ? n : (size / align + 1) * align;
  size = std::min(size, n);
  return {size, n / size + (n % size != 0)};
}

void parallel_for(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& body,
                  int64_t align) {
  if (end <= begin) return;
  const ChunkGrid grid = chunk_grid(end - begin, grain, align);
  if (grid.count == 1) {
    body(begin, end);
    return;
  }
  Range range{&body, begin, end, grid.size};
  if (!detail::inside_parallel_region()) {
    const int team = team_for(grid.count);
    if (team > 1) {
      // OpenBLAS is called inside chunks, from the pool's threads: single-threaded.
      detail::use_single_threaded_blas();
      const detail::ChunkJob job{run_chunk, &range, grid.count};
      if (detail::run_on_pool(job, team)) return;
    }
  }
  // The same chunks, in order, on this thread.
  for (int64_t c = 0; c < grid.count; ++c) run_chunk(&range, c);
}

}  // namespace initlab
