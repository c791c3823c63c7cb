// The team of worker threads behind parallel_for (internal): libgomp's.
//
// A job is `count` numbered chunks. The calling thread takes part; threads
// take chunks one at a time from a shared counter, so a thread that wakes
// late or is descheduled takes fewer chunks and never holds up the others for
// more than the chunk it is running. Which thread runs which chunk varies
// from run to run; what a chunk is does not (parallel_for fixes the chunks
// from the sizes alone). Why libgomp and not a pool of our own: thread_pool.cpp.
#pragma once

#include <cstdint>

namespace initlab::detail {

/// A chunk of work: fn(ctx, index).
struct ChunkJob {
  void (*fn)(void* ctx, int64_t chunk) = nullptr;
  void* ctx = nullptr;
  int64_t count = 0;
};

/// The most chunks one job may have.
inline constexpr int64_t kMaxPoolChunks = 65535;

/// Runs job.fn for every chunk in [0, job.count) on the calling thread and
/// up to team − 1 workers; returns once every chunk has finished. If chunks
/// throw, the exception of the lowest-numbered failing chunk is rethrown
/// (chunks after it may be skipped, chunks before it all run): the same error
/// a serial loop gives. Returns false, running nothing, when the pool is busy
/// with another thread's job or was lost to fork(): the caller then runs the
/// chunks itself.
/// How a job went for its caller: the time it spent running chunks, and the
/// time it then waited for chunks other threads held.
struct PoolTiming {
  int64_t work_ns = 0, wait_ns = 0;
};
bool run_on_pool(const ChunkJob& job, int team, PoolTiming* timing = nullptr);

/// Worker threads awake now (spinning or running chunks), for load accounting.
int awake_pool_workers();

/// True on a pool worker, and on a caller while its job runs: a nested
/// parallel_for then runs inline.
bool inside_parallel_region();

}  // namespace initlab::detail
