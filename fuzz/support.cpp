#include "support.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "initlab/core/memory_budget.hpp"
#include "initlab/core/parallel.hpp"

namespace initlab::fuzz {
namespace {

std::string scratch_dir() {
  struct stat st {};
  if (::stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && ::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  return std::filesystem::temp_directory_path().string();
}

std::map<std::string, std::string>& scratch_paths() {
  static std::map<std::string, std::string> paths;
  return paths;
}

void remove_scratch_files() {
  for (const auto& [suffix, path] : scratch_paths()) ::unlink(path.c_str());
}

}  // namespace

void init_target(uint64_t budget) {
  set_memory_budget(budget);
  set_num_threads(1);
}

std::string scratch_file(std::string_view suffix, const uint8_t* data, size_t size) {
  auto& paths = scratch_paths();
  auto it = paths.find(std::string(suffix));
  if (it == paths.end()) {
    if (paths.empty()) std::atexit(remove_scratch_files);
    const std::string path = scratch_dir() + "/initlab-fuzz-" + std::to_string(::getpid()) + "-" +
                             std::to_string(paths.size()) + std::string(suffix);
    it = paths.emplace(std::string(suffix), path).first;
  }
  const std::string& path = it->second;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(path.c_str());
    std::abort();
  }
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n <= 0) {
      std::perror(path.c_str());
      std::abort();
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return path;
}

void invariant_failed(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "\ninvariant broken: %.*s\n  %.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace initlab::fuzz
