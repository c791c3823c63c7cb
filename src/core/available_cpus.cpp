#include "initlab/core/available_cpus.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace initlab {
namespace detail {

std::optional<int> cpus_of_quota(long long quota_us, long long period_us) {
  if (quota_us < 0 || period_us <= 0) return std::nullopt;
  return static_cast<int>(std::clamp<long long>(quota_us / period_us, 1, 1 << 20));
}

namespace {
std::optional<long long> leading_integer(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return v;
}
}  // namespace

std::optional<int> cpus_of_cpu_max(std::string_view cpu_max) {
  const size_t space = cpu_max.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto quota = leading_integer(cpu_max.substr(0, space));  // "max": unlimited
  const auto period = leading_integer(cpu_max.substr(space + 1));
  if (!quota || !period) return std::nullopt;
  return cpus_of_quota(*quota, *period);
}

std::optional<int> running_tasks_of_loadavg(std::string_view loadavg) {
  // "0.50 0.40 0.30 3/120 999": the fourth field is running/total.
  const size_t slash = loadavg.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  size_t start = loadavg.rfind(' ', slash);
  start = start == std::string_view::npos ? 0 : start + 1;
  const auto running = leading_integer(loadavg.substr(start, slash - start));
  if (!running || *running < 0) return std::nullopt;
  return static_cast<int>(std::min<long long>(*running, 1 << 20));
}

}  // namespace detail

namespace {

using Clock = std::chrono::steady_clock;

std::string read_small_file(const char* path) {
  // Plain read(2): /proc and /sys files, a few hundred bytes at most.
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buf[512];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::optional<long long> read_integer(const std::string& path) {
  const std::string text = read_small_file(path.c_str());
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return v;
}

int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Where this process's cgroup lies under a mounted hierarchy: the mount point
// joined with its path relative to the mount's root (in a container the mount
// root is often the container's own cgroup).
struct CgroupDir {
  std::string mount, dir;
};

std::vector<CgroupDir> cpu_cgroup_dirs() {
  std::vector<CgroupDir> dirs;
  // /proc/self/cgroup: "0::/path" (v2) or "4:cpu,cpuacct:/path" (v1).
  std::string v2_path, v1_path;
  bool has_v1 = false;
  {
    std::ifstream in("/proc/self/cgroup");
    std::string line;
    while (std::getline(in, line)) {
      const size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
      if (b == std::string::npos) continue;
      const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
      if (line.compare(0, a, "0") == 0 && controllers.empty()) v2_path = path;
      std::stringstream names(controllers);
      std::string name;
      while (std::getline(names, name, ',')) {
        if (name == "cpu") has_v1 = true, v1_path = path;
      }
    }
  }
  // /proc/self/mountinfo: "id parent maj:min root mountpoint opts ... - fstype source superopts".
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string id, parent, dev, root, mountpoint, word;
    fields >> id >> parent >> dev >> root >> mountpoint;
    while (fields >> word && word != "-") {
    }
    std::string fstype, source, superopts;
    fields >> fstype >> source >> superopts;
    const std::string* path = nullptr;
    if (fstype == "cgroup2" && !v2_path.empty()) path = &v2_path;
    if (fstype == "cgroup" && has_v1) {
      std::stringstream opts(superopts);
      std::string opt;
      while (std::getline(opts, opt, ',')) {
        if (opt == "cpu") path = &v1_path;
      }
    }
    if (path == nullptr) continue;
    std::string rel = *path;
    if (root != "/" && rel.compare(0, root.size(), root) == 0) rel = rel.substr(root.size());
    dirs.push_back({mountpoint, mountpoint + (rel == "/" ? "" : rel)});
  }
  return dirs;
}

// The smallest quota of the cgroup and its parents, in whole CPUs.
std::optional<int> cgroup_quota_cpus() {
  std::optional<int> best;
  for (const CgroupDir& cg : cpu_cgroup_dirs()) {
    std::string dir = cg.dir;
    for (int depth = 0; depth < 64; ++depth) {
      std::optional<int> here;
      if (const std::string max = read_small_file((dir + "/cpu.max").c_str()); !max.empty()) {
        here = detail::cpus_of_cpu_max(max);
      } else if (const auto quota = read_integer(dir + "/cpu.cfs_quota_us")) {
        if (const auto period = read_integer(dir + "/cpu.cfs_period_us")) here = detail::cpus_of_quota(*quota, *period);
      }
      if (here && (!best || *here < *best)) best = here;
      if (dir.size() <= cg.mount.size()) break;
      const size_t slash = dir.rfind('/');
      if (slash == std::string::npos || slash < cg.mount.size()) break;
      dir.resize(std::max(slash, cg.mount.size()));
    }
  }
  return best;
}

int machine_cpus() {
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<int>(online) : 1;
}

struct CpuState {
  std::mutex mutex;  // taken only to refresh
  std::atomic<int> available{0}, affinity{1}, machine{1};
  std::atomic<int64_t> refreshed_ns{0};  // 0: never
  // idle_cpus: the smoothed count of other runnable tasks, in 1/256ths.
  std::atomic<int> others_x256{0};
  std::atomic<int64_t> sampled_ns{0};  // 0: never
  std::atomic<bool> have_loadavg{true};
};

CpuState& state() {
  static CpuState s;
  return s;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

constexpr int64_t kRefreshNs = 1'000'000'000;  // affinity and quota: once a second
constexpr int64_t kSampleNs = 20'000'000;      // load: every 20 ms

}  // namespace

int available_cpus() {
  CpuState& s = state();
  const int64_t now = now_ns();
  const auto stale = [&] {
    const int64_t last = s.refreshed_ns.load(std::memory_order_relaxed);
    return last == 0 || now - last >= kRefreshNs;
  };
  if (stale()) {
    std::unique_lock lock(s.mutex, std::try_to_lock);
    if (lock.owns_lock() && stale()) {
      const int affinity = affinity_cpus();
      int n = affinity;
      if (const auto quota = cgroup_quota_cpus()) n = std::min(n, *quota);
      s.affinity.store(affinity, std::memory_order_relaxed);
      s.machine.store(std::max(machine_cpus(), affinity), std::memory_order_relaxed);
      s.available.store(std::max(1, n), std::memory_order_relaxed);
      s.refreshed_ns.store(std::max<int64_t>(now, 1), std::memory_order_release);
    }
  }
  // Another thread refreshing for the first time: wait for its figure.
  int n = s.available.load(std::memory_order_acquire);
  while (n == 0) {
    std::this_thread::yield();
    n = s.available.load(std::memory_order_acquire);
  }
  return n;
}

int idle_cpus(int own_running) {
  const int available = available_cpus();
  CpuState& s = state();
  if (available <= 1) return 1;
  const int64_t now = now_ns();
  int64_t last = s.sampled_ns.load(std::memory_order_relaxed);
  // One thread samples; the others use the figure it leaves.
  if (s.have_loadavg.load(std::memory_order_relaxed) && (last == 0 || now - last >= kSampleNs) &&
      s.sampled_ns.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
    const auto running = detail::running_tasks_of_loadavg(read_small_file("/proc/loadavg"));
    if (!running) {
      s.have_loadavg.store(false, std::memory_order_relaxed);
    } else {
      // Other programs' runnable tasks, as a share of the CPUs this process may use.
      double others = std::max(0, *running - std::max(own_running, 1));
      const int affinity = s.affinity.load(std::memory_order_relaxed), machine = s.machine.load(std::memory_order_relaxed);
      if (affinity < machine) others *= static_cast<double>(affinity) / machine;
      // Half the last figure, half the new sample: a steady competitor counts
      // fully after a few samples, a task that ran for a moment fades out.
      const int old = s.others_x256.load(std::memory_order_relaxed);
      s.others_x256.store(static_cast<int>(std::lround((old + others * 256.0) / 2.0)), std::memory_order_relaxed);
    }
  }
  // A task counts once the smoothed figure reaches 3/4: two samples in a row
  // (40 ms) for a steady competitor; a single sample (a short task, or one of
  // this process's workers caught waking up) never counts.
  const int others = (s.others_x256.load(std::memory_order_relaxed) + 64) / 256;
  return std::clamp(available - others, 1, available);
}

}  // namespace initlab
