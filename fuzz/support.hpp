// Shared pieces of the fuzz targets: the per-process set-up (memory budget,
// one thread), a scratch file for readers that take a path, and the rule that
// an initlab::Error is a normal answer to bad input while anything else
// (another exception, a crash, a sanitizer report, a broken invariant) is a
// finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "initlab/core/error.hpp"

namespace initlab::fuzz {

/// Memory budget of every target (64 MB): a size the input declares beyond it is
/// refused with a ResourceError instead of being allocated.
inline constexpr uint64_t kMemoryBudget = uint64_t{64} << 20;

/// Sets the budget and one thread (called from LLVMFuzzerInitialize).
void init_target(uint64_t budget = kMemoryBudget);

/// Writes `data` to this process's scratch file ending in `suffix` (under
/// /dev/shm when it exists, else the temporary directory; one file per
/// process and suffix, reused by every input) and returns its path.
std::string scratch_file(std::string_view suffix, const uint8_t* data, size_t size);
inline std::string scratch_file(std::string_view suffix, std::string_view text) {
  return scratch_file(suffix, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

/// Runs f; an initlab::Error is the expected answer to bad input and ends it quietly.
template <class F>
void refused_ok(F&& f) {
  try {
    f();
  } catch (const initlab::Error&) {
  }
}

/// A broken invariant: prints what and why, then aborts (a finding).
[[noreturn]] void invariant_failed(std::string_view what, std::string_view detail);

}  // namespace initlab::fuzz
