#include "initlab/core/isolated_run.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace initlab {

IsolatedOutcome run_isolated(const std::function<void()>& work) {
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
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return {};
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
