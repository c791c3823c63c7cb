#include "initlab/core/memory_budget.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>

#include "initlab/core/error.hpp"

namespace initlab {
namespace {

constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();
// Below this an allocation is not checked: reading /proc costs more than it saves.
constexpr uint64_t kCheckFrom = uint64_t{64} << 20;

// A number from the first line of a file ("max" and unreadable files are unlimited).
uint64_t read_number_file(const char* path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word) || word.empty() || !std::isdigit(static_cast<unsigned char>(word[0]))) return kUnlimited;
  return std::strtoull(word.c_str(), nullptr, 10);
}

uint64_t meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return kb * 1024;
  }
  return kUnlimited;
}

// What the cgroup (v2, else v1) still allows.
uint64_t cgroup_available() {
  uint64_t limit = read_number_file("/sys/fs/cgroup/memory.max");
  uint64_t used = read_number_file("/sys/fs/cgroup/memory.current");
  if (limit == kUnlimited) {
    limit = read_number_file("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    used = read_number_file("/sys/fs/cgroup/memory/memory.usage_in_bytes");
  }
  // v1 reports "no limit" as a huge page-aligned number.
  if (limit == kUnlimited || limit >= (uint64_t{1} << 60)) return kUnlimited;
  if (used == kUnlimited) used = 0;
  return limit > used ? limit - used : 0;
}

std::atomic<uint64_t>& fixed_budget() {
  static std::atomic<uint64_t> b{0};  // 0: none set
  return b;
}

std::optional<uint64_t> env_budget() {
  static const std::optional<uint64_t> value = []() -> std::optional<uint64_t> {
    const char* env = std::getenv("INITLAB_MEMORY_LIMIT");
    if (env == nullptr || *env == '\0') return std::nullopt;
    auto b = parse_bytes(env);
    if (!b) {
      throw ValueError(fmt::format("INITLAB_MEMORY_LIMIT='{}': expected a size in bytes, e.g. 4096, 512M or 8G", env));
    }
    return b;
  }();
  return value;
}

}  // namespace

uint64_t available_memory() { return std::min(meminfo_available(), cgroup_available()); }

uint64_t memory_budget() {
  if (const uint64_t b = fixed_budget().load(std::memory_order_relaxed); b != 0) return b;
  if (auto e = env_budget()) return *e;
  return available_memory();
}

void set_memory_budget(std::optional<uint64_t> bytes) {
  fixed_budget().store(bytes ? std::max<uint64_t>(*bytes, 1) : 0, std::memory_order_relaxed);
}

bool fits_in_memory(uint64_t bytes) {
  if (bytes < kCheckFrom && fixed_budget().load(std::memory_order_relaxed) == 0 && !env_budget()) return true;
  return bytes <= memory_budget();
}

void require_memory(uint64_t bytes, std::string_view what) {
  if (fits_in_memory(bytes)) return;
  const uint64_t budget = memory_budget();
  const char* tail = "are available";
  if (fixed_budget().load(std::memory_order_relaxed) != 0) {
    tail = "is the memory budget";
  } else if (env_budget()) {
    tail = "is the memory budget (INITLAB_MEMORY_LIMIT)";
  }
  throw ResourceError(fmt::format("{} needs {}; {} {}", what, format_bytes(bytes), format_bytes(budget), tail));
}

uint64_t bytes_of(uint64_t count, uint64_t size) {
  if (size != 0 && count > kUnlimited / size) return kUnlimited;
  return count * size;
}

std::string format_bytes(uint64_t bytes) {
  if (bytes == kUnlimited) return "more than 18 EB";
  if (bytes < 1000) return fmt::format("{} B", bytes);
  static const char* units[] = {"kB", "MB", "GB", "TB", "PB", "EB"};
  double v = static_cast<double>(bytes) / 1000.0;
  int u = 0;
  while (v >= 999.5 && u < 5) {
    v /= 1000.0;
    ++u;
  }
  if (v >= 99.5) return fmt::format("{:.0f} {}", v, units[u]);
  if (v >= 9.95) return fmt::format("{:.1f} {}", v, units[u]);
  return fmt::format("{:.2f} {}", v, units[u]);
}

std::optional<uint64_t> parse_bytes(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  const std::string number(text.substr(0, i));
  char* end = nullptr;
  const double v = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(v)) return std::nullopt;
  std::string unit(text.substr(i));
  for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!unit.empty() && unit.back() == 'B') unit.pop_back();
  if (!unit.empty() && unit.back() == 'I') unit.pop_back();  // KiB, MiB: binary as K, M
  double scale = 1;
  if (unit == "") scale = 1;
  else if (unit == "K") scale = 1024.0;
  else if (unit == "M") scale = 1024.0 * 1024;
  else if (unit == "G") scale = 1024.0 * 1024 * 1024;
  else if (unit == "T") scale = 1024.0 * 1024 * 1024 * 1024;
  else return std::nullopt;
  const double b = v * scale;
  if (b < 1 || b >= 1.8e19) return std::nullopt;
  return static_cast<uint64_t>(b);
}

}  // namespace initlab
