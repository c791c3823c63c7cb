// One parallel-for for the whole library (OpenMP underneath).
//
// The thread count comes from INITLAB_NUM_THREADS when set, otherwise it is
// the number of cores. Work is split into contiguous ranges of outputs; no
// floating-point reduction is ever split across threads, so results do not
// depend on the thread count.
#pragma once

#include <cstdint>
#include <functional>

namespace initlab {

/// Threads parallel_for may use.
int num_threads();
/// Overrides the thread count for this process (n >= 1).
void set_num_threads(int n);

/// Calls body(lo, hi) on disjoint sub-ranges covering [begin, end). Ranges
/// start at multiples of `align` from begin and hold at least `grain`
/// indices (except the last); small ranges run on the calling thread.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& body, int64_t align = 1);

}  // namespace initlab
