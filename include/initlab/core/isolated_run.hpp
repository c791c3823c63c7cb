// Running a piece of work in a child process, so that a crash inside a C
// library (libhdf5 reading a damaged file) becomes an error message instead of
// the end of the program.
//
// The child is a fork of the calling process: it sees the caller's memory as it
// is (copy-on-write, nothing is copied up front), runs `work`, and leaves with
// _exit, so no destructor, atexit handler or buffered output of the caller runs
// twice. An exception thrown by `work` counts as finishing normally: only a
// signal (SIGSEGV, SIGBUS, SIGABRT, …) or an abnormal exit (a sanitizer's
// report) counts as a crash, and so does a child still running after the time
// limit (it is killed). Nothing the child computes comes back; callers run the
// work again in-process once they know it neither crashes nor hangs.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace initlab {

struct IsolatedOutcome {
  bool crashed = false;  ///< a signal, an abnormal exit, or still running at the limit
  /// How the child ended when it crashed: "signal SIGSEGV (Segmentation fault)",
  /// "exit status 1", "still running after 30 s".
  std::string how;
};

/// Runs `work` in a forked child and waits for it, at most `limit`. When the
/// system cannot fork (no processes left), nothing runs and the outcome is
/// "not crashed".
IsolatedOutcome run_isolated(const std::function<void()>& work, std::chrono::milliseconds limit);

}  // namespace initlab
