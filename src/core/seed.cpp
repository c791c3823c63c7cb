#include "initlab/core/seed.hpp"

#include <cstdlib>
#include <mutex>
#include <random>
#include <string>

namespace initlab {
namespace {

struct SeedState {
  std::mutex mutex;
  bool has_seed = false;
  bool explicit_seed = false;
  uint64_t seed = 0;
};

SeedState& state() {
  static SeedState s;
  return s;
}

}  // namespace

void set_seed(uint64_t seed) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.seed = seed;
  s.has_seed = true;
  s.explicit_seed = true;
}

uint64_t current_seed() {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  if (!s.has_seed) {
    std::random_device device;
    s.seed = (static_cast<uint64_t>(device()) << 32 | device()) % 1000000000ULL;
    s.has_seed = true;
  }
  return s.seed;
}

bool seed_was_set() {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  return s.explicit_seed;
}

}  // namespace initlab
