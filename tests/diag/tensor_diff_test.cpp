// tensor_diff: every kind of difference, with hand-computed figures.
#include <gtest/gtest.h>

#include <cmath>

#include "initlab/core/error.hpp"
#include "initlab/diag/tensor_diff.hpp"

namespace initlab {
namespace {

DiffTensor t(std::string name, Shape shape, std::initializer_list<float> v, std::string dtype = "float32") {
  return {std::move(name), Tensor(shape, v), std::move(dtype), ""};
}

TEST(TensorDiff, EveryKindAndTheSummary) {
  const std::vector<DiffTensor> a = {t("k", Shape{2}, {3, 4}), t("same", Shape{1}, {1}), t("s", Shape{2}, {1, 2}),
                                     t("d", Shape{1}, {1}), t("gone", Shape{1}, {0})};
  const std::vector<DiffTensor> b = {t("k", Shape{2}, {3, 4.5f}), t("same", Shape{1}, {1}),
                                     t("s", Shape{1, 2}, {1, 2}), t("d", Shape{1}, {1}, "float16"),
                                     t("new", Shape{3}, {0, 0, 0})};
  const TensorDiffReport r = diff_tensors(a, b);
  ASSERT_EQ(r.entries.size(), 6u);
  // ‖A‖ = 5, ‖B − A‖ = 0.5: relative 0.1, max |Δ| 0.5, 1 of 2 values.
  EXPECT_EQ(r.entries[0].kind, DiffKind::kChanged);
  EXPECT_NEAR(r.entries[0].relative_l2, 0.1, 1e-12);
  EXPECT_DOUBLE_EQ(r.entries[0].max_abs, 0.5);
  EXPECT_EQ(r.entries[0].changed_values, 1);
  EXPECT_EQ(r.entries[0].str(), "k: changed, relative L2 0.1, max |Δ| 0.5 (1 of 2 values)");
  EXPECT_EQ(r.entries[1].kind, DiffKind::kUnchanged);
  EXPECT_EQ(r.entries[2].kind, DiffKind::kShapeChanged);
  EXPECT_EQ(r.entries[2].str(), "s: shape changed, (2,) → (1, 2)");
  EXPECT_EQ(r.entries[3].kind, DiffKind::kDtypeChanged);
  EXPECT_EQ(r.entries[4].kind, DiffKind::kOnlyInA);
  EXPECT_EQ(r.entries[5].kind, DiffKind::kOnlyInB);
  EXPECT_EQ(r.entries[5].name, "new");
  EXPECT_EQ(r.differing(), 5);
  EXPECT_EQ(r.summary(),
            "5 of 6 tensors changed (1 values changed, 1 shape changed, 1 dtype changed, 1 only in A, 1 only in B); "
            "1 unchanged");
}

TEST(TensorDiff, IdenticalFilesAndBytes) {
  const std::vector<DiffTensor> a = {t("k", Shape{2}, {1, 2}), t("b", Shape{1}, {0})};
  const auto same = diff_tensors(a, a);
  EXPECT_TRUE(same.identical());
  EXPECT_EQ(same.summary(), "all 2 tensors unchanged");
  // float64 values that round to the same float32 still differ in the file's bytes.
  DiffTensor x = t("w", Shape{1}, {1}, "float64"), y = x;
  x.bytes = std::string("\x00\x00\x00\x00\x00\x00\xf0\x3f", 8);
  y.bytes = std::string("\x01\x00\x00\x00\x00\x00\xf0\x3f", 8);
  const auto r = diff_tensors({x}, {y});
  EXPECT_EQ(r.entries[0].kind, DiffKind::kChanged);
  EXPECT_EQ(r.entries[0].changed_values, 0);  // not visible in float32
}

TEST(TensorDiff, FromZerosAndNaN) {
  const auto z = diff_tensors({t("b", Shape{2}, {0, 0})}, {t("b", Shape{2}, {0, 0.25f})});
  EXPECT_TRUE(std::isnan(z.entries[0].relative_l2));
  EXPECT_EQ(z.entries[0].str(), "b: changed, from all zeros, max |Δ| 0.25 (1 of 2 values)");
  const auto n = diff_tensors({t("w", Shape{2}, {1, 2})}, {t("w", Shape{2}, {1, std::nanf("")})});
  EXPECT_EQ(n.entries[0].kind, DiffKind::kChanged);
  EXPECT_TRUE(std::isnan(n.entries[0].max_abs));
  EXPECT_EQ(n.entries[0].changed_values, 1);
}

TEST(TensorDiff, DuplicateNamesAreRefused) {
  EXPECT_THROW(diff_tensors({t("w", Shape{1}, {1}), t("w", Shape{1}, {2})}, {}), ValueError);
}

}  // namespace
}  // namespace initlab
