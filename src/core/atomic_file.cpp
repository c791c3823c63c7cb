#include "initlab/core/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "initlab/core/error.hpp"
#include "initlab/core/input_file.hpp"
#include "initlab/core/memory_budget.hpp"

namespace initlab {
namespace {

// POSIX's SYMLOOP_MAX is at least 8; Linux follows 40.
constexpr int kMaxLinkHops = 40;
// The temporary name keeps at most this much of the target's name (NAME_MAX is 255).
constexpr size_t kTempStemMax = 200;

std::string dir_of(const std::string& p) {
  const auto slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

std::string base_of(const std::string& p) {
  const auto slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

[[noreturn]] void refuse(const std::string& shown, mode_t mode) {
  throw IoError(fmt::format("{}: not a regular file ({}); initlab writes only regular files", shown, file_kind(mode)));
}

std::string read_link(const std::string& link) {
  std::string buf(PATH_MAX, '\0');
  const ssize_t n = ::readlink(link.c_str(), buf.data(), buf.size());
  if (n < 0) throw IoError(fmt::format("{}: cannot read the symbolic link: {}", link, std::strerror(errno)));
  buf.resize(static_cast<size_t>(n));
  return buf;
}

// The file a write to `path` replaces: `path` itself, or the file a symbolic
// link at `path` names (the end of the chain).
struct Target {
  std::string path;    // where the new file goes
  std::string shown;   // how messages name it
  bool exists = false;
  struct stat st {};   // when it exists
};

Target resolve(const std::string& path) {
  Target t{path, path};
  if (::lstat(path.c_str(), &t.st) != 0) return t;  // absent (or unreachable: creating the file says why)
  if (!S_ISLNK(t.st.st_mode)) {
    if (!S_ISREG(t.st.st_mode)) refuse(path, t.st.st_mode);
    t.exists = true;
    return t;
  }
  if (::stat(path.c_str(), &t.st) == 0) {  // a link to something that exists
    const std::string shown = fmt::format("{} (a link to {})", path, read_link(path));
    if (!S_ISREG(t.st.st_mode)) refuse(shown, t.st.st_mode);
    char* real = ::realpath(path.c_str(), nullptr);
    if (real == nullptr) throw IoError(fmt::format("{}: cannot follow the link: {}", shown, std::strerror(errno)));
    t.path = real;
    std::free(real);
    t.exists = true;
    return t;
  }
  if (errno == ELOOP) throw IoError(fmt::format("{}: too many levels of symbolic links", path));
  // A dangling link: follow the chain to the name that does not exist yet and create that file.
  std::string cur = path;
  for (int hop = 0; hop < kMaxLinkHops; ++hop) {
    std::string next = read_link(cur);
    if (next.empty()) throw IoError(fmt::format("{}: the symbolic link is empty", cur));
    if (next[0] != '/') next = dir_of(cur) + "/" + next;
    struct stat st {};
    if (::lstat(next.c_str(), &st) != 0) return Target{next, fmt::format("{} (a link to {})", path, next)};
    if (!S_ISLNK(st.st_mode)) {  // it appeared meanwhile
      if (!S_ISREG(st.st_mode)) refuse(fmt::format("{} (a link to {})", path, next), st.st_mode);
      return Target{next, fmt::format("{} (a link to {})", path, next), true, st};
    }
    cur = next;
  }
  throw IoError(fmt::format("{}: too many levels of symbolic links", path));
}

// A temporary file in the target's directory, created exclusively; removed
// again unless release() is called.
class TempFile {
 public:
  TempFile(const Target& target, const std::string& shown) {
    std::string stem = base_of(target.path).substr(0, kTempStemMax);
    static std::atomic<uint64_t> counter{0};
    for (int attempt = 0; attempt < 100; ++attempt) {
      timespec now{};
      ::clock_gettime(CLOCK_REALTIME, &now);
      const uint64_t salt = static_cast<uint64_t>(now.tv_nsec) ^ (counter.fetch_add(1) << 32) ^
                            (static_cast<uint64_t>(::getpid()) << 12);
      path_ = fmt::format("{}/.{}.tmp{:x}", dir_of(target.path), stem, salt & 0xffffffffffULL);
      // 0666 less the umask, applied by the kernel (reading the umask is not thread-safe).
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
      if (fd_ >= 0 || errno != EEXIST) break;
    }
    if (fd_ < 0) {
      throw IoError(fmt::format("{}: cannot create a temporary file beside it: {}", shown, std::strerror(errno)));
    }
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  /// Closes the descriptor; returns 0 or the errno of a failed close.
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? 0 : errno;
  }
  /// The file has been renamed into place: nothing to remove.
  void release() { path_.clear(); }

 private:
  std::string path_;
  int fd_ = -1;
};

Target checked_target(const std::string& path) {
  if (path.empty()) throw IoError("cannot write a file: the file name is empty");
  Target target = resolve(path);
  const std::string base = base_of(target.path);
  if (base.empty() || base == "." || base == "..") {
    throw IoError(fmt::format("{}: expected a file name, found a directory path", target.shown));
  }
  return target;
}

}  // namespace

void check_writable(const std::string& path) {
  const Target target = checked_target(path);
  const std::string dir = dir_of(target.path);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw IoError(fmt::format("{}: cannot create a temporary file beside it: {}", target.shown, std::strerror(errno)));
  }
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  const Target target = checked_target(path);
  const std::string& shown = target.shown;
  TempFile tmp(target, shown);
  if (target.exists) {
    // Keep the replaced file's permission bits, and its owner where the system lets us.
    if (::fchmod(tmp.fd(), target.st.st_mode & 07777) != 0) {
      throw IoError(fmt::format("{}: cannot give the new file the old one's permissions: {}", shown,
                                std::strerror(errno)));
    }
    if (target.st.st_uid != ::geteuid() || target.st.st_gid != ::getegid()) {
      if (::fchown(tmp.fd(), target.st.st_uid, target.st.st_gid) != 0) {
        // Not allowed (not root): the file becomes ours, as with any editor that saves by rename.
      }
    }
  }
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(tmp.fd(), bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(fmt::format("{}: write failed after {} of {} bytes: {}", shown, written, bytes.size(),
                                std::strerror(errno)));
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(tmp.fd()) != 0) {
    throw IoError(fmt::format("{}: could not flush to disk: {}", shown, std::strerror(errno)));
  }
  if (const int err = tmp.close(); err != 0) {
    throw IoError(fmt::format("{}: could not flush to disk: {}", shown, std::strerror(err)));
  }
  // The target may have been swapped for something else since resolve(): check once more.
  struct stat now {};
  if (::lstat(target.path.c_str(), &now) == 0 && !S_ISREG(now.st_mode)) refuse(shown, now.st_mode);
  if (std::rename(tmp.path().c_str(), target.path.c_str()) != 0) {
    throw IoError(fmt::format("{}: could not replace the file: {}", shown, std::strerror(errno)));
  }
  tmp.release();
  // Make the rename itself durable (best effort: some file systems refuse fsync on a directory).
  const int dir = ::open(dir_of(target.path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::string read_file(const std::string& path) {
  InputFile in(path);
  require_memory(in.size(), path);
  std::string out;
  out.resize(static_cast<size_t>(in.size()));
  size_t have = in.read(out.data(), out.size());
  out.resize(have);
  // The file may be longer than it said (it grew, or it lives in /proc): read on, within the budget.
  char buf[1 << 16];
  while (const size_t n = in.read(buf, sizeof(buf))) {
    if (!fits_in_memory(out.size() + n)) require_memory(out.size() + n, path);
    out.append(buf, n);
  }
  return out;
}

}  // namespace initlab
