#include "initlab/init/registry.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <nlohmann/json.hpp>

#include "builtin_initializers.hpp"

namespace initlab {
namespace {

struct Registry {
  std::mutex mutex;
  std::deque<InitializerInfo> entries;
};

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry;
    for (auto&& family : {detail::constant_initializers(), detail::random_initializers(),
                          detail::variance_scaling_initializers(), detail::orthogonal_initializers(),
                          detail::sparse_initializers()}) {
      for (auto& e : family) reg->entries.push_back(e);
    }
    // Keras order: zeros, ones, constant, random_*, truncated, variance scaling and
    // its named forms, orthogonal, identity; then PyTorch's; then initlab's.
    const std::vector<std::string> order = {
        "zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal", "variance_scaling",
        "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform", "lecun_normal",
        "orthogonal", "identity", "kaiming_uniform", "kaiming_normal", "xavier_uniform", "xavier_normal",
        "trunc_normal", "sparse", "dirac", "eye", "torch_default", "delta_orthogonal"};
    auto rank = [&](const InitializerInfo& e) {
      return std::find(order.begin(), order.end(), e.id) - order.begin();
    };
    std::stable_sort(reg->entries.begin(), reg->entries.end(),
                     [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
    return reg;
  }();
  return *r;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

const std::deque<InitializerInfo>& initializer_catalogue() { return registry().entries; }

const InitializerInfo* find_initializer(const std::string& name) {
  auto& reg = registry();
  std::lock_guard lock(reg.mutex);
  for (const auto& e : reg.entries) {
    if (e.id == name || e.class_name == name) return &e;
    if (std::find(e.aliases.begin(), e.aliases.end(), name) != e.aliases.end()) return &e;
  }
  return nullptr;
}

void register_initializer(InitializerInfo info) {
  auto& reg = registry();
  std::lock_guard lock(reg.mutex);
  for (auto& e : reg.entries) {
    if (e.class_name == info.class_name || e.id == info.id) {
      e = std::move(info);
      return;
    }
  }
  reg.entries.push_back(std::move(info));
}

std::string closest_initializer_name(const std::string& name) {
  const std::string key = lower(name);
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& e : initializer_catalogue()) {
    std::vector<std::string> names = {e.id, e.class_name};
    names.insert(names.end(), e.aliases.begin(), e.aliases.end());
    for (const auto& n : names) {
      const size_t d = edit_distance(key, lower(n));
      if (d < best_d) {
        best_d = d;
        best = e.id;
      }
    }
  }
  return best;
}

}  // namespace initlab
