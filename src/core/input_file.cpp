#include "initlab/core/input_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "initlab/core/error.hpp"

namespace initlab {

std::string file_kind(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a file";
}

InputFile::InputFile(std::string path) : path_(std::move(path)) {
  if (path_.empty()) throw IoError("cannot open for reading: the file name is empty");
  // stat first, so that a device is never opened (opening one can have effects)...
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    throw IoError(fmt::format("{}: cannot open for reading: {}", path_, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) throw IoError(fmt::format("{}: not a regular file ({})", path_, file_kind(st.st_mode)));
  // ...and O_NONBLOCK with fstat, so that a FIFO swapped in meanwhile cannot block the open.
  do {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  } while (fd_ < 0 && errno == EINTR);
  if (fd_ < 0) throw IoError(fmt::format("{}: cannot open for reading: {}", path_, std::strerror(errno)));
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    const int err = errno;
    const std::string why = S_ISREG(st.st_mode) ? std::strerror(err) : file_kind(st.st_mode);
    ::close(fd_);
    fd_ = -1;
    throw IoError(fmt::format("{}: not a regular file ({})", path_, why));
  }
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
  size_ = st.st_size > 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

InputFile::InputFile(InputFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), size_(other.size_) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
  }
  return *this;
}

int InputFile::release() { return std::exchange(fd_, -1); }

size_t InputFile::read(char* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    const ssize_t got = ::read(fd_, buf + done, n - done);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw IoError(fmt::format("{}: read error: {}", path_, std::strerror(errno)));
    }
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

}  // namespace initlab
