// Atomic file writes: a temporary file beside the target, fsync, rename. A
// crash during the write leaves the previous file intact.
#pragma once

#include <string>
#include <string_view>

namespace initlab {

/// Writes `bytes` to `path` atomically. Throws IoError naming the path and the
/// system's reason.
void write_file_atomically(const std::string& path, std::string_view bytes);

/// The whole file. Throws IoError naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace initlab
