// Running a piece of work in a child process, so that a crash inside a C
// library (libhdf5 reading a damaged file) becomes an error message instead of
// the end of the program.
//
// The child is a fork of the calling process: it sees the caller's memory as it
// is (copy-on-write, nothing is copied up front), runs `work`, and leaves with
// _exit, so no destructor, atexit handler or buffered output of the caller runs
// twice. An exception thrown by `work` counts as finishing normally: only a
// signal (SIGSEGV, SIGBUS, SIGABRT, …) or an abnormal exit (a sanitizer's
// report) counts as a crash. Nothing the child computes comes back; callers run
// the work again in-process once they know it does not crash.
#pragma once

#include <functional>
#include <string>

namespace initlab {

struct IsolatedOutcome {
  bool crashed = false;
  /// How the child ended when it crashed: "signal SIGSEGV (Segmentation fault)", "exit status 1".
  std::string how;
};

/// Runs `work` in a forked child and waits for it. When the system cannot fork
/// (no processes left), nothing runs and the outcome is "not crashed".
IsolatedOutcome run_isolated(const std::function<void()>& work);

}  // namespace initlab
