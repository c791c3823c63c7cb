#include "initlab/core/parallel.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "core/openblas_threads.hpp"
#include "core/thread_pool.hpp"
#include "initlab/core/available_cpus.hpp"
#include "initlab/core/error.hpp"

// Cost of handing chunks to the pool (bench/initlab_bench_parallel, release
// build, the 2-core KVM machine of bench/README.md, median of 1000 calls):
// a parallel_for of two empty chunks takes 0.1 µs on 2 threads back to back
// (the worker still spinning; 0.04 µs on 1 thread) and 4.8 µs when the calls
// are 1 ms apart (0.4 µs on 1 thread): the futex call that wakes the
// worker, which itself starts tens of µs later, while the caller takes the
// chunks it has not reached. So a chunk must hold ≳ 10 µs of work for a
// split to pay; the callers' grains say so per loop, and gemm's threshold in
// src/core/blas.cpp (2^19 multiply-adds, ~20 µs) is of that order.

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

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A team that made a loop slower than its caller alone would have been — the
// caller waited for chunks other threads held longer than it ran chunks
// itself, by more than kStallMarginNs — had a thread the scheduler set aside
// (another program, a cgroup quota, a hypervisor taking the CPU), whatever
// /proc/loadavg said. With dynamic threads, loops then run on the calling
// thread alone for a back-off period, then try a team again: 10 ms, doubled
// after every stalled try up to 0.5 s, halved after every good one. Under
// steady contention that is one stalled loop (a few ms) every 0.5 s.
constexpr int64_t kStallMarginNs = 50'000;
constexpr int64_t kBackoffMinNs = 10'000'000, kBackoffMaxNs = 500'000'000;
std::atomic<int64_t> g_solo_until_ns{0};
std::atomic<int64_t> g_backoff_ns{kBackoffMinNs};

std::atomic<int64_t> g_loops{0}, g_team_loops{0}, g_stalls{0}, g_alone_load{0}, g_alone_backoff{0};

void note_team_timing(const detail::PoolTiming& t) {
  int64_t backoff = g_backoff_ns.load(std::memory_order_relaxed);
  g_team_loops.fetch_add(1, std::memory_order_relaxed);
  if (t.wait_ns > t.work_ns + kStallMarginNs) {
    g_stalls.fetch_add(1, std::memory_order_relaxed);
    g_solo_until_ns.store(now_ns() + backoff, std::memory_order_relaxed);
    g_backoff_ns.store(std::min(kBackoffMaxNs, 2 * backoff), std::memory_order_relaxed);
  } else if (backoff > kBackoffMinNs) {
    g_backoff_ns.store(std::max(kBackoffMinNs, backoff / 2), std::memory_order_relaxed);
  }
}

// Threads for a loop of `chunks` chunks: the cap, then (dynamic threads) the
// CPUs other work leaves free, and none while backing off after a stall.
int team_for(int64_t chunks, bool dynamic) {
  int team = static_cast<int>(std::min<int64_t>(num_threads(), chunks));
  if (team > 1 && dynamic) {
    if (now_ns() < g_solo_until_ns.load(std::memory_order_relaxed)) {
      g_alone_backoff.fetch_add(1, std::memory_order_relaxed);
      return 1;
    }
    team = std::min(team, idle_cpus(1 + detail::awake_pool_workers()));
    if (team == 1) g_alone_load.fetch_add(1, std::memory_order_relaxed);
  }
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
  g_loops.fetch_add(1, std::memory_order_relaxed);
  Range range{&body, begin, end, grid.size};
  if (!detail::inside_parallel_region()) {
    const bool dynamic = dynamic_threads();
    const int team = team_for(grid.count, dynamic);
    if (team > 1) {
      // OpenBLAS is called inside chunks, from the pool's threads: single-threaded.
      detail::use_single_threaded_blas();
      const detail::ChunkJob job{run_chunk, &range, grid.count};
      detail::PoolTiming timing;
      if (detail::run_on_pool(job, team, &timing)) {
        if (dynamic) {
          note_team_timing(timing);
        } else {
          g_team_loops.fetch_add(1, std::memory_order_relaxed);
          if (timing.wait_ns > timing.work_ns + kStallMarginNs) g_stalls.fetch_add(1, std::memory_order_relaxed);
        }
        return;
      }
    }
  }
  // The same chunks, in order, on this thread.
  for (int64_t c = 0; c < grid.count; ++c) run_chunk(&range, c);
}

ParallelStats parallel_stats() {
  return {g_loops.load(std::memory_order_relaxed), g_team_loops.load(std::memory_order_relaxed),
          g_stalls.load(std::memory_order_relaxed), g_alone_load.load(std::memory_order_relaxed),
          g_alone_backoff.load(std::memory_order_relaxed)};
}

}  // namespace initlab
