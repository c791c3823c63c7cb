// Finding the seed and variable name of bit-identical initial weights by
// replaying initlab's fills (internal to diag; the search is described in
// weight_forensics.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "init_families.hpp"

namespace initlab::detail {

/// The tensor's own name, the initlab name its layer and short name imply, the
/// default layer names, "kernel", then `extra`; no name twice.
std::vector<std::string> plausible_names(std::string_view name, bool is_bias, const std::vector<std::string>& extra);

/// The first (seed, name) under which `family` fills exactly `values` (on the
/// Keras layout, with `fans`); nullopt when none of them does.
std::optional<SeedMatch> find_seed(const InitFamily& family, const Tensor& values, const Fans& fans,
                                   const std::vector<std::string>& names, const std::vector<uint64_t>& seeds);

}  // namespace initlab::detail
