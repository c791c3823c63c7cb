#include "initlab/init/registry.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <nlohmann/json.hpp>

#include "builtin_initializers.hpp"
#include "initlab/core/suggest.hpp"

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
  // Any of an entry's names may be the closest; the suggestion is its id.
  std::vector<std::string> names;
  std::vector<const InitializerInfo*> owner;
  for (const auto& e : initializer_catalogue()) {
    for (const auto* n : {&e.id, &e.class_name}) {
      names.push_back(*n);
      owner.push_back(&e);
    }
    for (const auto& a : e.aliases) {
      names.push_back(a);
      owner.push_back(&e);
    }
  }
  const auto best = closest_word(name, names);
  if (!best) return "";
  return owner[static_cast<size_t>(std::find(names.begin(), names.end(), *best) - names.begin())]->id;
}

}  // namespace initlab
