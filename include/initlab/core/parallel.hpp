// One parallel-for for the whole library, on libgomp's team of threads.
//
// Work is cut into chunks fixed by the sizes alone (chunk_grid), never by the
// thread count, the timing or the load; any thread may run any chunk. No
// floating-point reduction is ever split across chunks, so results are the
// same bits on any number of threads.
//
// How many threads share a loop: at most num_threads() — INITLAB_NUM_THREADS
// when set, else set_num_threads(), else available_cpus() (affinity and cgroup
// quota) — and, while dynamic threads are on (the default), no more than the
// CPUs that other programs leave idle (idle_cpus), and none for a while after
// a loop whose team was slower than its caller alone would have been: on a
// machine whose cores are busy, a loop runs on the calling thread rather than
// wait for a thread the scheduler has set aside. The calling thread takes
// part and threads take chunks one at a time, so a late thread takes fewer.
#pragma once

#include <cstdint>
#include <functional>

namespace initlab {

/// The most threads parallel_for may use: INITLAB_NUM_THREADS (a whole number
/// from 1 to 1024) when set, else the count given to set_num_threads, else
/// available_cpus().
int num_threads();
/// Sets the thread count for this process (1 ≤ n ≤ 1024; a ValueError
/// otherwise). INITLAB_NUM_THREADS, when set, still wins.
void set_num_threads(int n);
/// Forgets set_num_threads: back to INITLAB_NUM_THREADS or available_cpus().
void reset_num_threads();

/// Whether parallel_for leaves out threads for which other programs leave no
/// idle CPU (as OpenMP's OMP_DYNAMIC). On by default; INITLAB_DYNAMIC_THREADS=0
/// turns it off, and then every loop with enough chunks uses num_threads().
bool dynamic_threads();
void set_dynamic_threads(bool on);

/// How parallel_for cuts n indices: `count` chunks of `size` indices (the last
/// may be shorter). size ≥ grain, a multiple of align, and large enough that
/// there are at most kMaxChunks chunks. A function of (n, grain, align) only.
struct ChunkGrid {
  int64_t size = 0;
  int64_t count = 0;
};
inline constexpr int64_t kMaxChunks = 256;
ChunkGrid chunk_grid(int64_t n, int64_t grain, int64_t align = 1);

/// Calls body(lo, hi) once for every chunk of chunk_grid(end − begin, grain,
/// align), offset by begin: disjoint ranges covering [begin, end), starting at
/// multiples of `align` from begin, each holding at least `grain` indices
/// (except the last). Chunks run in parallel when there are two or more, in
/// order on the calling thread otherwise (and inside another parallel_for).
/// `grain` says how much work amortizes handing a chunk to another thread
/// (see src/core/parallel.cpp for the measured costs). If bodies throw, the
/// exception of the lowest failing chunk is rethrown, as a serial loop would.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& body, int64_t align = 1);

/// Counts since the process started, for benchmarks: loops of two or more
/// chunks, how many of them ran on a team, how many teams stalled (the
/// caller waited longer than it worked), and how many loops ran alone because
/// of load (idle_cpus) or a stall's back-off.
struct ParallelStats {
  int64_t loops = 0, team_loops = 0, stalls = 0, alone_for_load = 0, alone_for_backoff = 0;
};
ParallelStats parallel_stats();

}  // namespace initlab
