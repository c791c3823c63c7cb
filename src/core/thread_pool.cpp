#include "core/thread_pool.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>

// The team is libgomp's. A futex pool of our own (workers spinning 50 µs,
// then sleeping) was measured against it on the idle 2-core machine of
// bench/README.md (bench/run-load-bench, release): the deep MLP ran at
// 30.9 k samples/s on 2 threads against 67.2 k with libgomp, the CNN at
// 7.9 k against 15.9 k. libgomp's workers stay hot between the many short
// loops of a step; what made libgomp slow under load — a team that waits for
// a descheduled worker — parallel_for avoids by not forming a team when no
// CPU is idle (available_cpus.hpp), and chunks are still handed out one at a
// time, so a late worker takes fewer of them.

namespace initlab::detail {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// libgomp's workers spin for a while after a region (GOMP_SPINCOUNT, a few
// ms here) before they sleep: within that window they count as running.
constexpr int64_t kWorkersAwakeNs = 5'000'000;

std::atomic<int64_t> g_last_team_end_ns{std::numeric_limits<int64_t>::min() / 2};
std::atomic<int> g_last_team{0};

}  // namespace

bool run_on_pool(const ChunkJob& job, int team, PoolTiming* timing) {
  if (team < 2 || job.count < 2 || job.count > kMaxPoolChunks || omp_in_parallel()) return false;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> failed{std::numeric_limits<int64_t>::max()};
  std::exception_ptr error;
  std::mutex error_mutex;
  const int64_t t0 = now_ns();
  int64_t caller_done = t0;
#pragma omp parallel num_threads(team)
  {
    for (;;) {
      const int64_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= job.count) break;
      // After a failure, later chunks are skipped; earlier ones all run (as in a serial loop).
      if (c > failed.load(std::memory_order_relaxed)) continue;
      try {
        job.fn(job.ctx, c);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (c < failed.load(std::memory_order_relaxed)) {
          failed.store(c, std::memory_order_relaxed);
          error = std::current_exception();
        }
      }
    }
    if (omp_get_thread_num() == 0) caller_done = now_ns();
  }
  const int64_t t1 = now_ns();
  if (timing != nullptr) {
    timing->work_ns = caller_done - t0;
    timing->wait_ns = t1 - caller_done;
  }
  g_last_team.store(team, std::memory_order_relaxed);
  g_last_team_end_ns.store(t1, std::memory_order_relaxed);
  if (error) std::rethrow_exception(error);
  return true;
}

int awake_pool_workers() {
  if (now_ns() - g_last_team_end_ns.load(std::memory_order_relaxed) > kWorkersAwakeNs) return 0;
  return std::max(0, g_last_team.load(std::memory_order_relaxed) - 1);
}

bool inside_parallel_region() { return omp_in_parallel() != 0; }

}  // namespace initlab::detail
