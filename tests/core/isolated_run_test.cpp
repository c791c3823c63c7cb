// run_isolated: a crash or a hang in the child is reported, the caller goes on.
#include "initlab/core/isolated_run.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <stdexcept>
#include <thread>

namespace initlab {
namespace {

using namespace std::chrono_literals;

TEST(IsolatedRun, WorkThatFinishesOrThrowsIsNotACrash) {
  EXPECT_FALSE(run_isolated([] {}, 5s).crashed);
  EXPECT_FALSE(run_isolated([] { throw std::runtime_error("refused"); }, 5s).crashed);
}

TEST(IsolatedRun, ASignalIsACrashNamedBySignal) {
  const IsolatedOutcome o = run_isolated([] { std::raise(SIGSEGV); }, 5s);
  EXPECT_TRUE(o.crashed);
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(o.how, "exit status 1");  // AddressSanitizer reports the SEGV itself and exits
#else
  EXPECT_EQ(o.how, "signal SIGSEGV (Segmentation fault)");
#endif
  EXPECT_TRUE(run_isolated([] { std::abort(); }, 5s).crashed);
}

TEST(IsolatedRun, AHangIsKilledAtTheLimit) {
  const auto start = std::chrono::steady_clock::now();
  const IsolatedOutcome o = run_isolated([] { std::this_thread::sleep_for(1h); }, 150ms);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(o.crashed);
  EXPECT_EQ(o.how, "still running after 150 ms");
  EXPECT_LT(took, 5s);
}

TEST(IsolatedRun, TheChildSeesTheCallersMemoryAndChangesNothing) {
  int value = 1;
  EXPECT_FALSE(run_isolated([&] { value = (value == 1) ? 2 : 3; if (value != 2) std::abort(); }, 5s).crashed);
  EXPECT_EQ(value, 1);
}

}  // namespace
}  // namespace initlab
