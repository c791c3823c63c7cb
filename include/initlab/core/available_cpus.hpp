// The CPUs this process can really use, and how many of them other programs
// leave free: what parallel_for sizes its team of threads by.
#pragma once

#include <optional>
#include <string_view>

namespace initlab {

/// CPUs this process may run on: the CPUs of its affinity mask
/// (sched_getaffinity: what `taskset` and cpusets allow), capped by the CPU
/// quota of its cgroup and of every cgroup above it (v2 `cpu.max`, v1
/// `cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded down (a thread past the
/// quota is throttled for the rest of the period, which stalls every thread
/// that waits for it), and at least 1. Cached; read again at most once a second.
int available_cpus();

/// How many of available_cpus() other work leaves free now, 1 … available_cpus():
/// the runnable tasks of the machine (/proc/loadavg's "running" field) less
/// `own_running` (the threads of this process known to be on a CPU, the
/// caller included), scaled to this process's share of the machine's CPUs
/// when its affinity covers only some of them, smoothed over the last few
/// samples. Samples at most every 20 ms (a read of /proc/loadavg took 29 µs on
/// the loaded 2-core VM of bench/README.md: under 0.2 % of the time), so calling it often is cheap;
/// without /proc it reports every available CPU as free.
int idle_cpus(int own_running);

namespace detail {

/// CPUs allowed by a quota of `quota_us` per `period_us` (rounded down, at
/// least 1); nullopt when unlimited (quota < 0) or malformed.
std::optional<int> cpus_of_quota(long long quota_us, long long period_us);
/// The same from a cgroup v2 `cpu.max` line: "150000 100000" → 1, "max 100000" → nullopt.
std::optional<int> cpus_of_cpu_max(std::string_view cpu_max);
/// Runnable tasks in a /proc/loadavg line: "0.50 0.40 0.30 3/120 999" → 3.
std::optional<int> running_tasks_of_loadavg(std::string_view loadavg);

}  // namespace detail
}  // namespace initlab
