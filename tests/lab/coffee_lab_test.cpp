#include "initlab/lab/coffee_lab.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <sstream>

#include "initlab/core/parallel.hpp"

namespace initlab {
namespace {

TEST(CoffeeLab, OutputIsIdenticalOnEveryRunAndThreadCount) {
  std::ostringstream a, b, c;
  set_num_threads(1);
  const auto r1 = run_coffee_lab(a);
  set_num_threads(2);
  run_coffee_lab(b);
  run_coffee_lab(c);
  EXPECT_EQ(a.str(), b.str());
  EXPECT_EQ(b.str(), c.str());
  // The lab's two test roasts: good, then bad.
  EXPECT_GT(r1.probabilities[0], 0.5f);
  EXPECT_LT(r1.probabilities[1], 0.5f);
  EXPECT_GT(r1.accuracy, 0.97);
  EXPECT_NE(a.str().find("random so that the three hidden units start different"), std::string::npos);
  EXPECT_NE(a.str().find("roast (200 °C, 13.9 min)"), std::string::npos);
}

TEST(CoffeeLab, ConstantStartKeepsHiddenUnitsBitIdentical) {
  std::ostringstream out;
  for (const char* init : {"zeros", "ones"}) {
    const auto r = run_symmetry_demo(out, {.constant_init = init});
    EXPECT_TRUE(r.constant_columns_identical) << init;
    EXPECT_TRUE(r.constant_w2_identical) << init;
    // Checked here independently, bit for bit: columns of W1 (2, 3), entries of W2 (3, 1).
    for (int row = 0; row < 2; ++row) {
      for (int unit = 1; unit < 3; ++unit) {
        EXPECT_EQ(std::memcmp(r.constant_w1.data() + row * 3, r.constant_w1.data() + row * 3 + unit, 4), 0) << init;
      }
    }
    EXPECT_EQ(std::memcmp(r.constant_w2.data(), r.constant_w2.data() + 1, 4), 0);
    EXPECT_EQ(std::memcmp(r.constant_w2.data(), r.constant_w2.data() + 2, 4), 0);
    // Training did move them: symmetric, not frozen.
    EXPECT_NE(r.constant_w2[0], init == std::string("zeros") ? 0.0f : 1.0f);
    EXPECT_TRUE(r.random_columns_distinct);
    EXPECT_GT(r.random_accuracy, r.constant_accuracy + 0.05) << init;
  }
}

}  // namespace
}  // namespace initlab
