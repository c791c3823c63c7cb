// Opening a file the user named, for reading: only regular files are read
// (a directory, FIFO, socket or device is refused with what it is, and a FIFO
// never blocks the process), and the size is known before anything is read,
// so a caller can check it against the memory budget first.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace initlab {

/// What a file of this mode is, for messages: "a directory", "a FIFO", "a
/// character device", "a block device", "a socket", "a symbolic link", "a regular file".
std::string file_kind(mode_t mode);

/// An open regular file; the descriptor is closed on destruction.
class InputFile {
 public:
  /// Opens `path`. Throws IoError "<path>: cannot open for reading: <reason>", or
  /// "<path>: not a regular file (a directory)" for anything but a regular file.
  explicit InputFile(std::string path);
  ~InputFile();
  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) noexcept;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& path() const { return path_; }
  /// The size when opened (a file in /proc says 0 and still has content).
  uint64_t size() const { return size_; }
  /// The descriptor, still owned by this object.
  int fd() const { return fd_; }
  /// Gives the descriptor to the caller (gzdopen, for one), who closes it.
  int release();

  /// Reads up to `n` bytes, fewer only at the end of the file. Throws IoError
  /// naming the file on a read error.
  size_t read(char* buf, size_t n);

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace initlab
