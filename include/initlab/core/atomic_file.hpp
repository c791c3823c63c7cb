// Atomic file writes: a temporary file beside the target, fsync, rename. A
// crash during the write leaves the previous file intact.
//
// The writer only ever replaces a regular file. A directory, FIFO, socket or
// device at the path is refused and left untouched ("/dev/full: not a regular
// file (a character device); initlab writes only regular files"). A symbolic
// link is written through: the file it names (created when the link dangles)
// is replaced atomically beside itself and the link stays a link. A file that
// is replaced keeps its permission bits (and, where allowed, its owner); a new
// one gets 0666 less the umask.
#pragma once

#include <string>
#include <string_view>

namespace initlab {

/// Writes `bytes` to `path` atomically. Throws IoError naming the path and the
/// system's reason; on any failure the temporary file is removed and the
/// target is as it was.
void write_file_atomically(const std::string& path, std::string_view bytes);

/// Throws the IoError write_file_atomically(path, ...) would throw for the
/// path itself (not a regular file, a directory path, a missing or read-only
/// folder) without writing anything: for a caller that writes later, after
/// work that should not be wasted.
void check_writable(const std::string& path);

/// The whole file. Throws IoError naming the path when it cannot be read or is
/// not a regular file (see InputFile), and ResourceError when its size does not
/// fit the memory budget.
std::string read_file(const std::string& path);

}  // namespace initlab
