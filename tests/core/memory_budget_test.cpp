#include "initlab/core/memory_budget.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "initlab/core/error.hpp"
#include "initlab/core/tensor.hpp"

namespace initlab {
namespace {

// Restores the default budget however a test ends.
struct BudgetGuard {
  explicit BudgetGuard(uint64_t bytes) { set_memory_budget(bytes); }
  ~BudgetGuard() { set_memory_budget(std::nullopt); }
};

TEST(MemoryBudget, FormatsDecimalUnitsWithThreeDigits) {
  EXPECT_EQ(format_bytes(812), "812 B");
  EXPECT_EQ(format_bytes(25'600'000'000), "25.6 GB");
  EXPECT_EQ(format_bytes(1'000), "1.00 kB");
  EXPECT_EQ(format_bytes(999'999), "1.00 MB");
  EXPECT_EQ(format_bytes(123'456'789), "123 MB");
}

TEST(MemoryBudget, ParsesSizesWithBinarySuffixes) {
  EXPECT_EQ(parse_bytes("4096"), 4096u);
  EXPECT_EQ(parse_bytes("512M"), 512u << 20);
  EXPECT_EQ(parse_bytes("8G"), uint64_t{8} << 30);
  EXPECT_EQ(parse_bytes("1.5GiB"), uint64_t{3} << 29);
  EXPECT_FALSE(parse_bytes("lots"));
  EXPECT_FALSE(parse_bytes("12Q"));
  EXPECT_FALSE(parse_bytes(""));
  EXPECT_FALSE(parse_bytes("1e400"));
}

TEST(MemoryBudget, ByteCountsSaturateInsteadOfWrapping) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(bytes_of(max / 2, 4), max);
  EXPECT_EQ(bytes_of(1000, 4), 4000u);
}

TEST(MemoryBudget, AvailableMemoryIsReadFromTheSystem) {
  const uint64_t a = available_memory();
  EXPECT_GT(a, uint64_t{1} << 20);  // any machine that runs the tests has a megabyte free
}

TEST(MemoryBudget, RefusalNamesTheCulpritAndBothFigures) {
  BudgetGuard guard(1'000'000);
  EXPECT_NO_THROW(require_memory(999'999, "small"));
  try {
    require_memory(25'600'000'000, "dense/kernel (80000, 80000)");
    FAIL() << "expected a ResourceError";
  } catch (const ResourceError& e) {
    EXPECT_STREQ(e.what(), "dense/kernel (80000, 80000) needs 25.6 GB; 1.00 MB is the memory budget");
  }
}

TEST(MemoryBudget, TensorsBeyondTheBudgetAreRefusedBeforeAllocation) {
  BudgetGuard guard(100'000);
  EXPECT_NO_THROW(Tensor(Shape{1000}));
  try {
    Tensor t(Shape{1000, 1000});
    FAIL() << "expected a ResourceError";
  } catch (const ResourceError& e) {
    EXPECT_NE(std::string(e.what()).find("a tensor of shape (1000, 1000) needs 4.00 MB"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace initlab
