#include "core/thread_pool.hpp"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace initlab::detail {
namespace {

static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) && std::atomic<uint32_t>::is_always_lock_free,
              "futex words must be plain 32-bit atomics");

// How long an idle worker spins before it sleeps. Waking a sleeping worker
// costs the caller a futex call (a loop of two empty chunks: 4.8 µs against
// 0.1 µs with the worker spinning, bench/initlab_bench_parallel on the 2-core
// KVM machine of bench/README.md), and the worker the scheduler's wake-up
// latency, typically tens of µs on a VM: a worker that spins through the gap
// between two parallel loops joins the second at once.
// The gaps inside one training step are a few µs (between the layers of the
// backward pass) to ~0.5 ms (the whole forward pass of the deep MLP, which
// has nothing to split); 50 µs covers the first kind and sleeps through the
// second, so an idle worker never burns a CPU another program could use for
// more than 50 µs after each loop.
constexpr int64_t kWorkerSpinNs = 50'000;
// How long the caller spins for chunks other threads are still running,
// before it sleeps until the last one finishes. A chunk holder that was
// descheduled is back in a few ms at the earliest; spinning longer than a
// chunk's typical length only takes the CPU it may need.
constexpr int64_t kCallerSpinNs = 20'000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

void futex_wait(std::atomic<uint32_t>* word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

void futex_wake(std::atomic<uint32_t>* word, int n) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, n, nullptr, nullptr, 0);
}

// Spins until ready() or `ns` have passed; returns ready().
template <class Ready>
bool spin_until(Ready&& ready, int64_t ns) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(ns);
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
  }
}

thread_local bool t_in_parallel = false;

struct alignas(64) Worker {
  std::atomic<uint32_t> seq{0};       // bumped by a caller that wants this worker
  std::atomic<uint32_t> sleeping{0};  // 1 while it waits on the futex
};

// state_ packs the current job's epoch (high 32 bits), the next chunk to hand
// out (16 bits) and the chunk count (low 16 bits), so that a worker claims a
// chunk of the job it saw, and only while that job is the current one, with
// one compare-and-swap.
constexpr uint64_t kNextOne = uint64_t{1} << 16;
inline uint32_t next_of(uint64_t s) { return static_cast<uint32_t>(s >> 16) & 0xFFFFu; }
inline uint32_t total_of(uint64_t s) { return static_cast<uint32_t>(s) & 0xFFFFu; }

class Pool {
 public:
  bool run(const ChunkJob& job, int team, PoolTiming* timing) {
    std::unique_lock lock(run_mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    const int helpers = add_workers(std::min<int64_t>(team, job.count) - 1);
    if (helpers < 1) return false;

    // Publish: the job's fields first, then the state word (release).
    job_ = job;
    failed_.store(INT64_MAX, std::memory_order_relaxed);
    error_ = nullptr;
    done_.store(0, std::memory_order_relaxed);
    ++epoch_;
    const auto total = static_cast<uint32_t>(job.count);
    state_.store((static_cast<uint64_t>(epoch_) << 32) | total, std::memory_order_release);
    for (int i = 0; i < helpers; ++i) {
      Worker& w = *workers_[static_cast<size_t>(i)];
      w.seq.fetch_add(1, std::memory_order_seq_cst);
      if (w.sleeping.load(std::memory_order_seq_cst) != 0) futex_wake(&w.seq, 1);
    }

    t_in_parallel = true;
    const auto t0 = std::chrono::steady_clock::now();
    run_chunks();
    const auto t1 = std::chrono::steady_clock::now();
    wait_done(total);
    t_in_parallel = false;
    if (timing != nullptr) {
      timing->work_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
      timing->wait_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t1).count();
    }
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    return true;
  }

  int awake() const { return awake_.load(std::memory_order_relaxed); }

 private:
  // Starts workers until there are `want` (or thread creation fails); returns how many there are.
  int add_workers(int64_t want) {
    while (static_cast<int64_t>(workers_.size()) < want) {
      auto w = std::make_unique<Worker>();
      Worker* raw = w.get();
      // Workers block every signal: handlers run on the program's own threads.
      sigset_t all, old;
      sigfillset(&all);
      pthread_sigmask(SIG_SETMASK, &all, &old);
      try {
        awake_.fetch_add(1, std::memory_order_relaxed);
        std::thread t([this, raw] { worker_main(raw); });
        pthread_setname_np(t.native_handle(), "initlab-worker");
        t.detach();  // the pool lives as long as the process
      } catch (const std::system_error&) {
        awake_.fetch_sub(1, std::memory_order_relaxed);
        pthread_sigmask(SIG_SETMASK, &old, nullptr);
        break;
      }
      pthread_sigmask(SIG_SETMASK, &old, nullptr);
      workers_.push_back(std::move(w));
    }
    return static_cast<int>(std::min<int64_t>(want, static_cast<int64_t>(workers_.size())));
  }

  void worker_main(Worker* w) {
    t_in_parallel = true;  // a parallel_for inside a chunk runs inline
    uint32_t seen = 0;
    for (;;) {
      if (w->seq.load(std::memory_order_acquire) == seen &&
          !spin_until([&] { return w->seq.load(std::memory_order_relaxed) != seen; }, kWorkerSpinNs)) {
        awake_.fetch_sub(1, std::memory_order_relaxed);
        w->sleeping.store(1, std::memory_order_seq_cst);
        while (w->seq.load(std::memory_order_seq_cst) == seen) futex_wait(&w->seq, seen);
        w->sleeping.store(0, std::memory_order_relaxed);
        awake_.fetch_add(1, std::memory_order_relaxed);
      }
      seen = w->seq.load(std::memory_order_acquire);
      run_chunks();
    }
  }

  // Takes chunks of the current job until none is left.
  void run_chunks() {
    uint64_t s = state_.load(std::memory_order_acquire);
    for (;;) {
      const uint32_t next = next_of(s), total = total_of(s);
      if (next >= total) return;
      if (!state_.compare_exchange_weak(s, s + kNextOne, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      // Claimed: the job cannot change until this chunk is counted done.
      const int64_t chunk = next;
      if (chunk < failed_.load(std::memory_order_relaxed)) {
        try {
          job_.fn(job_.ctx, chunk);
        } catch (...) {
          std::lock_guard guard(error_mutex_);
          if (chunk < failed_.load(std::memory_order_relaxed)) {
            failed_.store(chunk, std::memory_order_relaxed);
            error_ = std::current_exception();
          }
        }
      }
      if (done_.fetch_add(1, std::memory_order_seq_cst) + 1 == total &&
          caller_sleeping_.load(std::memory_order_seq_cst) != 0) {
        futex_wake(&done_, 1);
      }
      s = state_.load(std::memory_order_acquire);
    }
  }

  void wait_done(uint32_t total) {
    if (spin_until([&] { return done_.load(std::memory_order_acquire) == total; }, kCallerSpinNs)) return;
    caller_sleeping_.store(1, std::memory_order_seq_cst);
    for (uint32_t d; (d = done_.load(std::memory_order_seq_cst)) != total;) futex_wait(&done_, d);
    caller_sleeping_.store(0, std::memory_order_relaxed);
  }

  std::mutex run_mutex_;  // one job at a time
  std::vector<std::unique_ptr<Worker>> workers_;
  uint32_t epoch_ = 0;
  ChunkJob job_;
  std::mutex error_mutex_;
  std::exception_ptr error_;
  std::atomic<int64_t> failed_{INT64_MAX};  // lowest failing chunk
  alignas(64) std::atomic<uint64_t> state_{0};
  alignas(64) std::atomic<uint32_t> done_{0};
  std::atomic<uint32_t> caller_sleeping_{0};
  alignas(64) std::atomic<int> awake_{0};
};

// The pool is created on first use and never destroyed (its workers sleep
// until the process ends). After fork() the child has none of the parent's
// threads: it starts a new pool when it needs one.
std::mutex g_create_mutex;
std::atomic<Pool*> g_pool{nullptr};

void lock_for_fork() { g_create_mutex.lock(); }
void unlock_after_fork() { g_create_mutex.unlock(); }
void forget_pool_in_child() {
  g_pool.store(nullptr, std::memory_order_relaxed);  // the parent's pool is left behind, unused
  g_create_mutex.unlock();
}

Pool* pool() {
  Pool* p = g_pool.load(std::memory_order_acquire);
  if (p != nullptr) return p;
  static const int registered = pthread_atfork(lock_for_fork, unlock_after_fork, forget_pool_in_child);
  (void)registered;
  std::lock_guard lock(g_create_mutex);
  p = g_pool.load(std::memory_order_relaxed);
  if (p == nullptr) {
    p = new Pool;
    g_pool.store(p, std::memory_order_release);
  }
  return p;
}

}  // namespace

bool run_on_pool(const ChunkJob& job, int team, PoolTiming* timing) {
  if (team < 2 || job.count < 2 || job.count > kMaxPoolChunks || t_in_parallel) return false;
  return pool()->run(job, team, timing);
}

int awake_pool_workers() {
  const Pool* p = g_pool.load(std::memory_order_acquire);
  return p != nullptr ? p->awake() : 0;
}

bool inside_parallel_region() { return t_in_parallel; }

}  // namespace initlab::detail
