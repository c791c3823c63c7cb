#include "seed_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace initlab::detail {
namespace {

// Values compared before a full fill: 8 float32 values agree by chance with
// probability below 2^-100 for any of the random families.
constexpr int64_t kPrefix = 8;

// Orthogonal fills cannot be cut short (every value depends on the whole QR):
// they are replayed only for tensors this small, and only for the first names.
constexpr int64_t kMaxOrthogonalReplay = 16384;
constexpr size_t kOrthogonalNames = 3;

bool same_bits(const float* a, const float* b, int64_t n) {
  return std::memcmp(a, b, static_cast<size_t>(n) * sizeof(float)) == 0;
}

void add_unique(std::vector<std::string>& out, std::string name) {
  if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
}

}  // namespace

std::vector<std::string> plausible_names(std::string_view name, bool is_bias,
                                         const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  add_unique(out, std::string(name));
  const std::string shorts = is_bias ? "bias" : "kernel";
  // "layers/dense_1/vars/0" (Keras 3), "dense_1/kernel" (initlab), "0.weight", "fc1.bias" (PyTorch).
  std::string layer(name);
  if (const size_t v = layer.rfind("/vars/"); v != std::string::npos) {
    layer = layer.substr(0, v);
  } else if (const size_t cut = layer.find_last_of("/."); cut != std::string::npos) {
    layer = layer.substr(0, cut);
  } else {
    layer.clear();
  }
  if (const size_t slash = layer.rfind('/'); slash != std::string::npos) layer = layer.substr(slash + 1);
  if (!layer.empty()) add_unique(out, layer + "/" + shorts);
  add_unique(out, shorts);
  for (const char* base : {"dense", "conv2d", "layer"}) {
    add_unique(out, fmt::format("{}/{}", base, shorts));
    for (int k = 0; k <= 9; ++k) add_unique(out, fmt::format("{}_{}/{}", base, k, shorts));
  }
  for (int k = 0; k <= 9; ++k) add_unique(out, fmt::format("layer{}/{}", k, shorts));
  for (const auto& e : extra) add_unique(out, e);
  return out;
}

std::optional<SeedMatch> find_seed(const InitFamily& family, const Tensor& values, const Fans& fans,
                                   const std::vector<std::string>& names, const std::vector<uint64_t>& seeds) {
  const int64_t n = values.size();
  if (n == 0) return std::nullopt;
  const bool whole = family.shape == FamilyShape::kOrthogonal;
  if (whole && n > kMaxOrthogonalReplay) return std::nullopt;
  const int64_t k = whole ? n : std::min(n, kPrefix);
  Tensor trial(whole ? values.shape() : Shape{k});
  // The full fill, only for a trial whose first values agree.
  auto confirm = [&](const Initializer& init, const InitContext& ctx) {
    if (whole) return true;
    Tensor full(values.shape());
    init.fill(full, ctx);
    return same_bits(full.data(), values.data(), n);
  };
  const size_t name_count = whole ? std::min(names.size(), kOrthogonalNames) : names.size();
  for (uint64_t seed : seeds) {
    // An explicitly seeded initializer draws from (seed, stream 0), whatever the name.
    const Initializer seeded = family.init.with_seed(seed);
    InitContext fixed{"", fans};
    seeded.fill(trial, fixed);
    if (same_bits(trial.data(), values.data(), k) && confirm(seeded, fixed)) {
      return SeedMatch{family.label, seed, "", true};
    }
    // Unseeded: the stream (global seed, stream_id(name)).
    for (size_t i = 0; i < name_count; ++i) {
      InitContext ctx{names[i], fans, seed};
      family.init.fill(trial, ctx);
      if (same_bits(trial.data(), values.data(), k) && confirm(family.init, ctx)) {
        return SeedMatch{family.label, seed, names[i], false};
      }
    }
  }
  return std::nullopt;
}

}  // namespace initlab::detail
