// Memory is estimated before it is spent. Every allocation whose size the
// user's input decides (tensors, weights, data sets, decompressed files, JSON
// documents) is checked against a budget first and refused with the figure
// and the culprit:
//
//   dense/kernel (80000, 80000) needs 25.6 GB; 21.3 GB are available
//
// The budget is what the machine has available now (MemAvailable, capped by
// the cgroup's memory limit), INITLAB_MEMORY_LIMIT when set (bytes, or with a
// suffix: 512M, 8G), or what set_memory_budget() says.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace initlab {

/// Bytes this process may still allocate: /proc/meminfo's MemAvailable, capped
/// by the cgroup memory limit less its usage. Read afresh on each call.
uint64_t available_memory();

/// The budget in force: set_memory_budget(), else INITLAB_MEMORY_LIMIT, else available_memory().
uint64_t memory_budget();
/// A fixed budget for this process (tests, embedders); nullopt returns to the default.
void set_memory_budget(std::optional<uint64_t> bytes);

/// True when `bytes` more fit the budget. Cheap below 64 MiB (always true).
bool fits_in_memory(uint64_t bytes);
/// Throws ResourceError "<what> needs 25.6 GB; 21.3 GB are available" unless `bytes` fit.
void require_memory(uint64_t bytes, std::string_view what);

/// count · size, saturating at UINT64_MAX instead of wrapping.
uint64_t bytes_of(uint64_t count, uint64_t size);
/// Decimal units with three significant digits: "812 B", "25.6 GB".
std::string format_bytes(uint64_t bytes);
/// "512M", "8G", "1.5GB", "4096" → bytes; nullopt when the text is not a size.
std::optional<uint64_t> parse_bytes(std::string_view text);

}  // namespace initlab
