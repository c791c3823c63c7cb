// parallel_for: chunks fixed by the sizes alone, every index once, errors as a
// serial loop gives them, nested loops inline, a pool that sleeps, and the
// CPU count it sizes itself by.
#include "initlab/core/parallel.hpp"

#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/openblas_threads.hpp"
#include "initlab/core/available_cpus.hpp"
#include "initlab/core/blas.hpp"
#include "initlab/core/error.hpp"

namespace initlab {
namespace {

using Ranges = std::vector<std::pair<int64_t, int64_t>>;

// Restores the process's thread settings after a test.
class ThreadSettings {
 public:
  ThreadSettings() : dynamic_(dynamic_threads()) {}
  ~ThreadSettings() {
    reset_num_threads();
    set_dynamic_threads(dynamic_);
  }
  static void exactly(int n) {
    set_num_threads(n);
    set_dynamic_threads(false);
  }

 private:
  bool dynamic_;
};

Ranges ranges_of(int64_t begin, int64_t end, int64_t grain, int64_t align) {
  std::mutex m;
  Ranges out;
  parallel_for(begin, end, grain, [&](int64_t lo, int64_t hi) {
    std::lock_guard lock(m);
    out.emplace_back(lo, hi);
  }, align);
  std::sort(out.begin(), out.end());
  return out;
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

TEST(ParallelChunks, GridDependsOnSizesOnly) {
  ThreadSettings keep;
  struct Case {
    int64_t begin, end, grain, align;
  };
  for (const Case c : {Case{0, 1000, 1, 1}, Case{5, 100003, 7, 1}, Case{0, (1 << 20) + 3, 1 << 16, 32},
                       Case{-50, 50, 4, 8}, Case{0, 3, 1, 1}, Case{0, 64, 20, 1}}) {
    ThreadSettings::exactly(1);
    const Ranges one = ranges_of(c.begin, c.end, c.grain, c.align);
    for (int threads : {2, 3, 4}) {
      ThreadSettings::exactly(threads);
      EXPECT_EQ(ranges_of(c.begin, c.end, c.grain, c.align), one) << c.end << " on " << threads << " threads";
    }
    set_dynamic_threads(true);
    EXPECT_EQ(ranges_of(c.begin, c.end, c.grain, c.align), one) << c.end << " with dynamic threads";
    // The ranges are chunk_grid's, in order, offset by begin.
    const ChunkGrid g = chunk_grid(c.end - c.begin, c.grain, c.align);
    ASSERT_EQ(static_cast<int64_t>(one.size()), g.count);
    EXPECT_LE(g.count, kMaxChunks);
    for (int64_t i = 0; i < g.count; ++i) {
      const auto [lo, hi] = one[static_cast<size_t>(i)];
      EXPECT_EQ(lo, c.begin + i * g.size);
      EXPECT_EQ(hi, std::min(c.end, lo + g.size));
      if (i + 1 < g.count) {
        EXPECT_GE(hi - lo, c.grain);
        EXPECT_EQ((lo - c.begin) % c.align, 0);
      }
    }
  }
}

TEST(ParallelChunks, GridOfHugeAndDegenerateSizes) {
  for (const int64_t n : {INT64_MAX, INT64_MAX - 1, int64_t{1} << 62}) {
    const ChunkGrid g = chunk_grid(n, 1, 32);
    EXPECT_GT(g.size, 0);
    EXPECT_LE(g.count, kMaxChunks);
    // The chunks cover n (size·count ≥ n, without overflow: size·(count − 1) < n).
    EXPECT_LT(g.size * (g.count - 1), n);
    EXPECT_GE(g.size, n / g.count);
  }
  EXPECT_EQ(chunk_grid(0, 1).count, 0);
  EXPECT_EQ(chunk_grid(-5, 1).count, 0);
  EXPECT_EQ(chunk_grid(10, 0).count, 10);  // grain < 1 counts as 1
  EXPECT_EQ(chunk_grid(10, 100).count, 1);
  EXPECT_EQ(chunk_grid(10, 1, 1000).count, 1);  // align beyond n: one chunk
  EXPECT_EQ(chunk_grid(10, 1, INT64_MAX).count, 1);
  int calls = 0;
  parallel_for(3, 3, 1, [&](int64_t, int64_t) { ++calls; });
  parallel_for(5, 2, 1, [&](int64_t, int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ParallelFor, EveryIndexExactlyOnce) {
  ThreadSettings keep;
  for (int threads : {1, 2, 4}) {
    ThreadSettings::exactly(threads);
    const int64_t n = 100003;
    std::vector<std::atomic<int>> hits(n);
    for (int rep = 0; rep < 20; ++rep) {
      parallel_for(0, n, 1 + rep, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) hits[static_cast<size_t>(i)].fetch_add(1, std::memory_order_relaxed);
      });
    }
    for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 20) << i << " on " << threads;
  }
}

TEST(ParallelFor, ChunkOrderedSumsAreTheSameBitsOnAnyThreadCount) {
  // Partial sums per chunk, added in chunk order: a reduction that is only
  // reproducible because the chunks do not depend on the thread count.
  ThreadSettings keep;
  std::vector<float> x(200000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 1.0f / static_cast<float>(i + 1) * ((i % 3) ? 1.0f : -1.0f);
  auto sum = [&] {
    const ChunkGrid g = chunk_grid(static_cast<int64_t>(x.size()), 1000);
    std::vector<float> part(static_cast<size_t>(g.count));
    parallel_for(0, static_cast<int64_t>(x.size()), 1000, [&](int64_t lo, int64_t hi) {
      float s = 0.0f;
      for (int64_t i = lo; i < hi; ++i) s += x[static_cast<size_t>(i)];
      part[static_cast<size_t>(lo / g.size)] = s;
    });
    float total = 0.0f;
    for (float p : part) total += p;
    return total;
  };
  ThreadSettings::exactly(1);
  const float ref = sum();
  for (int threads : {2, 4}) {
    ThreadSettings::exactly(threads);
    for (int rep = 0; rep < 10; ++rep) EXPECT_EQ(sum(), ref) << threads;
  }
}

TEST(ParallelFor, UsesSeveralThreadsWhenAsked) {
  ThreadSettings keep;
  ThreadSettings::exactly(4);
  std::mutex m;
  std::set<std::thread::id> ids;
  for (int rep = 0; rep < 5 && ids.size() < 2; ++rep) {
    parallel_for(0, 16, 1, [&](int64_t, int64_t) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::lock_guard lock(m);
      ids.insert(std::this_thread::get_id());
    });
  }
  EXPECT_GE(ids.size(), 2u);
}

TEST(ParallelFor, ExceptionOfTheLowestFailingChunkPropagates) {
  ThreadSettings keep;
  for (int threads : {1, 2, 4}) {
    ThreadSettings::exactly(threads);
    for (int rep = 0; rep < 30; ++rep) {
      try {
        parallel_for(0, 1000, 10, [&](int64_t lo, int64_t hi) {
          // Chunks [500, 510) and every chunk from 700 fail; a later chunk may
          // fail first in time, but the error is the one a serial loop meets first.
          if (lo >= 700) throw ValueError("late chunk " + std::to_string(lo));
          if (lo <= 500 && 500 < hi) throw ShapeError("chunk at 500");
          std::this_thread::sleep_for(std::chrono::microseconds(lo < 500 ? 20 : 0));
        });
        ADD_FAILURE() << "no exception on " << threads << " threads";
      } catch (const ShapeError& e) {
        EXPECT_STREQ(e.what(), "chunk at 500");
      } catch (const std::exception& e) {
        ADD_FAILURE() << "got '" << e.what() << "' on " << threads << " threads";
      }
    }
  }
  // The pool is usable after a failure.
  ThreadSettings::exactly(4);
  std::atomic<int64_t> total{0};
  parallel_for(0, 100, 1, [&](int64_t lo, int64_t hi) { total += hi - lo; });
  EXPECT_EQ(total.load(), 100);
}

TEST(ParallelFor, NestedLoopsRunInlineOnTheSameThread) {
  ThreadSettings keep;
  ThreadSettings::exactly(4);
  std::atomic<int> inner_elsewhere{0}, inner_ranges{0};
  std::vector<std::atomic<int>> hits(64 * 64);
  parallel_for(0, 64, 1, [&](int64_t lo, int64_t hi) {
    const auto outer = std::this_thread::get_id();
    for (int64_t r = lo; r < hi; ++r) {
      parallel_for(0, 64, 1, [&](int64_t a, int64_t b) {
        inner_ranges++;
        if (std::this_thread::get_id() != outer) inner_elsewhere++;
        for (int64_t c = a; c < b; ++c) hits[static_cast<size_t>(r * 64 + c)]++;
      });
    }
  });
  EXPECT_EQ(inner_elsewhere.load(), 0);
  EXPECT_EQ(inner_ranges.load(), 64 * 64);  // the inner chunks are the same 64 chunks, in order
  for (auto& h : hits) ASSERT_EQ(h.load(), 1);
}

TEST(ParallelFor, LoopsFromSeveralThreadsAtOnce) {
  // A second caller while the pool is busy runs its chunks itself.
  ThreadSettings keep;
  ThreadSettings::exactly(4);
  std::vector<std::thread> callers;
  std::atomic<int64_t> total{0};
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int rep = 0; rep < 200; ++rep) {
        parallel_for(0, 1000, 10, [&](int64_t lo, int64_t hi) { total += hi - lo; });
      }
    });
  }
  for (auto& c : callers) c.join();
  EXPECT_EQ(total.load(), 4 * 200 * 1000);
}

TEST(ParallelFor, OpenBlasStaysSingleThreadedInsideChunks) {
  // Chunks call OpenBLAS from the pool's threads: it must not start threads of its own there.
  ThreadSettings keep;
  ThreadSettings::exactly(4);
  const int saved = openblas_get_num_threads();
  openblas_set_num_threads(2);
  std::atomic<int> multi{0};
  std::vector<float> a(64 * 64, 1.0f), b(a);
  std::vector<std::vector<float>> c(8, std::vector<float>(64 * 64));
  parallel_for(0, 8, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      if (openblas_get_num_threads() != 1) multi++;
      gemm_serial(false, false, 64, 64, 64, 1.0f, a.data(), 64, b.data(), 64, 0.0f, c[static_cast<size_t>(i)].data(), 64);
    }
  });
  openblas_set_num_threads(saved);
  EXPECT_EQ(multi.load(), 0);
  for (const auto& ci : c) EXPECT_EQ(ci[0], 64.0f);
}

TEST(ParallelPool, ManySmallLoopsAreCheapAndIdleWorkersSleep) {
  ThreadSettings keep;
  ThreadSettings::exactly(4);  // more threads than this 2-core machine has: workers must not spin for long
  std::atomic<int64_t> sink{0};
  auto small_loop = [&] { parallel_for(0, 8, 1, [&](int64_t lo, int64_t hi) { sink += hi - lo; }); };
  small_loop();  // start the workers
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) small_loop();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  // A few µs each when the workers are spinning, tens when they must be
  // woken; an OpenMP team that busy-waits on 4 threads over 2 cores took
  // far longer under load. 1000 loops well under a second.
  EXPECT_LT(ms, 1000.0) << "1000 parallel_for calls of 8 tiny chunks";
  EXPECT_EQ(sink.load(), 1001 * 8);
  // After the last loop the workers spin 50 µs, then sleep: over the next
  // 300 ms this process uses almost no CPU (a spinning team would use ~3 CPUs × 300 ms).
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double c0 = cpu_seconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LT(cpu_seconds() - c0, 0.05) << "CPU seconds used by idle workers in 300 ms";
}

TEST(ParallelPool, WorkersWakeForEachLoopAfterSleeping) {
  ThreadSettings keep;
  ThreadSettings::exactly(3);
  for (int rep = 0; rep < 20; ++rep) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // workers asleep
    std::vector<int> out(3000, 0);
    parallel_for(0, 3000, 100, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) out[static_cast<size_t>(i)] = static_cast<int>(i);
    });
    for (int i = 0; i < 3000; ++i) ASSERT_EQ(out[static_cast<size_t>(i)], i);
  }
}

TEST(ParallelThreads, SetAndResetThreadCount) {
  ThreadSettings keep;
  const char* env = std::getenv("INITLAB_NUM_THREADS");
  set_num_threads(3);
  if (env == nullptr || *env == '\0') {
    EXPECT_EQ(num_threads(), 3);
    reset_num_threads();
    EXPECT_EQ(num_threads(), available_cpus());
  } else {
    EXPECT_EQ(num_threads(), std::atoi(env));  // the environment wins
  }
  EXPECT_THROW(set_num_threads(0), ValueError);
  EXPECT_THROW(set_num_threads(-1), ValueError);
  EXPECT_THROW(set_num_threads(1025), ValueError);
}

// The environment is read once per process: each of these runs in a fresh
// child process that sets it before anything asks for the thread count.
class ParallelEnvDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(ParallelEnvDeathTest, HonoursInitlabNumThreads) {
  EXPECT_EXIT(
      {
        setenv("INITLAB_NUM_THREADS", "3", 1);
        set_num_threads(5);  // the environment wins over the program
        std::exit(num_threads() == 3 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(ParallelEnvDeathTest, RefusesAMalformedThreadCount) {
  EXPECT_EXIT(
      {
        setenv("INITLAB_NUM_THREADS", "two", 1);
        try {
          (void)num_threads();
        } catch (const ValueError& e) {
          std::fprintf(stderr, "%s\n", e.what());
          std::exit(3);
        }
        std::exit(0);
      },
      ::testing::ExitedWithCode(3), "INITLAB_NUM_THREADS='two': expected a whole number of threads from 1 to 1024");
  EXPECT_EXIT(
      {
        setenv("INITLAB_NUM_THREADS", "18446744073709551617", 1);
        try {
          (void)num_threads();
        } catch (const ValueError&) {
          std::exit(3);
        }
        std::exit(0);
      },
      ::testing::ExitedWithCode(3), "");
}

TEST(AvailableCpus, WithinTheMachine) {
  const int n = available_cpus();
  EXPECT_GE(n, 1);
  EXPECT_LE(n, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  for (int own : {0, 1, 2, 100}) {
    const int idle = idle_cpus(own);
    EXPECT_GE(idle, 1);
    EXPECT_LE(idle, n);
  }
}

TEST(AvailableCpus, QuotaAndLoadavgParsing) {
  EXPECT_EQ(detail::cpus_of_cpu_max("150000 100000\n"), 1);
  EXPECT_EQ(detail::cpus_of_cpu_max("200000 100000"), 2);
  EXPECT_EQ(detail::cpus_of_cpu_max("50000 100000"), 1);  // below one CPU: still 1
  EXPECT_EQ(detail::cpus_of_cpu_max("max 100000\n"), std::nullopt);
  EXPECT_EQ(detail::cpus_of_cpu_max(""), std::nullopt);
  EXPECT_EQ(detail::cpus_of_cpu_max("100000 0"), std::nullopt);
  EXPECT_EQ(detail::cpus_of_quota(-1, 100000), std::nullopt);  // v1: unlimited
  EXPECT_EQ(detail::cpus_of_quota(400000, 100000), 4);
  EXPECT_EQ(detail::running_tasks_of_loadavg("0.50 0.40 0.30 3/120 999\n"), 3);
  EXPECT_EQ(detail::running_tasks_of_loadavg("12.00 1.00 0.00 17/2000 1"), 17);
  EXPECT_EQ(detail::running_tasks_of_loadavg("garbage"), std::nullopt);
  EXPECT_EQ(detail::running_tasks_of_loadavg(""), std::nullopt);
}

TEST(AvailableCpus, BusyThreadsLeaveNoIdleCpu) {
  const int n = available_cpus();
  if (n < 2) GTEST_SKIP() << "one CPU: nothing to share";
  // n threads that never sleep: with this thread, n + 1 runnable tasks on n CPUs.
  std::atomic<bool> stop{false};
  std::vector<std::thread> hogs;
  for (int i = 0; i < n; ++i) {
    hogs.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
      }
    });
  }
  int idle = n;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < until) {
    idle = idle_cpus(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  stop = true;
  for (auto& h : hogs) h.join();
  EXPECT_EQ(idle, 1) << "idle CPUs seen while " << n << " busy threads ran on " << n << " CPUs";
}

}  // namespace
}  // namespace initlab
