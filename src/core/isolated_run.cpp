#include "initlab/core/isolated_run.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>
#include <cstring>

namespace initlab {

IsolatedOutcome run_isolated(const std::function<void()>& work, std::chrono::milliseconds limit) {
  const pid_t pid = fork();
  if (pid < 0) return {};
  if (pid == 0) {
    try {
      work();
    } catch (...) {
    }
    _exit(0);
  }
  int status = 0;
  // Polled from 50 µs up to 5 ms: most children are done within a few milliseconds.
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto pause = std::chrono::microseconds(50);
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      const auto ms = limit.count();
      return {true, ms % 1000 == 0 ? fmt::format("still running after {} s", ms / 1000)
                                   : fmt::format("still running after {} ms", ms)};
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return {true, fmt::format("signal SIG{} ({})", abbrev != nullptr ? abbrev : std::to_string(sig).c_str(),
                              strsignal(sig))};
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) return {true, fmt::format("exit status {}", WEXITSTATUS(status))};
  return {};
}

}  // namespace initlab
