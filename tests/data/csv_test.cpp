#include "initlab/data/csv.hpp"

#include <gtest/gtest.h>

#include <set>

#include "initlab/core/error.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using initlab::testing::error_of;

TEST(Csv, ParsesHeaderLabelColumnAndNumbers) {
  const CsvTable t = parse_csv("temp,label,dur\n200,1,13.9\n\n 180 , 0 ,\"15.5\"\r\n", "label");
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"temp", "dur"}));
  EXPECT_EQ(t.x.shape(), (Shape{2, 2}));
  EXPECT_EQ(t.x.at({1, 1}), 15.5f);
  EXPECT_EQ(t.y.at({0, 0}), 1.0f);
}

TEST(Csv, ErrorsNameFileLineAndColumn) {
  EXPECT_EQ(error_of([] { parse_csv("a,b\n1,2\n3,x\n", "b", "data.csv"); }),
            "data.csv:3: column 'b': expected a number, found \"x\"");
  EXPECT_EQ(error_of([] { parse_csv("a,b\n1,2,3\n", "b", "data.csv"); }), "data.csv:2: expected 2 columns, found 3");
  EXPECT_EQ(error_of([] { parse_csv("a,b\n1,2\n", "y", "data.csv"); }), "data.csv: no column named 'y' (columns: a, b)");
  EXPECT_NE(error_of([] { parse_csv("", "y", "e.csv"); }).find("empty file"), std::string::npos);
}

TEST(Csv, OneHot) {
  const Tensor h = one_hot(Tensor(Shape{3}, {2, 0, 1}), 3);
  EXPECT_EQ(h.at({0, 2}), 1.0f);
  EXPECT_EQ(h.at({1, 0}), 1.0f);
  EXPECT_EQ(h.at({2, 1}), 1.0f);
  float sum = 0;
  for (float v : h.values()) sum += v;
  EXPECT_EQ(sum, 3.0f);
  EXPECT_EQ(error_of([] { one_hot(Tensor(Shape{2}, {0, 3}), 3); }), "one_hot: label 3 of sample 1 is not an integer in [0, 3)");
}

TEST(Batches, CoverEverySampleOncePerEpochAndReplayBySeed) {
  Tensor x(Shape{10, 2}), y(Shape{10, 1});
  for (int64_t i = 0; i < 10; ++i) x.at({i, 0}) = static_cast<float>(i), y[i] = static_cast<float>(i);
  Batches a(x, y, 4, true, 7), b(x, y, 4, true, 7);
  EXPECT_EQ(a.count(), 3);
  std::set<float> seen;
  std::vector<float> first;
  for (int64_t i = 0; i < a.count(); ++i) {
    const auto [bx, by] = a.batch(i);
    EXPECT_EQ(bx.dim(0), i < 2 ? 4 : 2);
    for (int64_t r = 0; r < bx.dim(0); ++r) {
      EXPECT_EQ(bx.at({r, 0}), by[r]);  // rows stay paired
      seen.insert(by[r]);
      first.push_back(by[r]);
    }
  }
  EXPECT_EQ(seen.size(), 10u);
  std::vector<float> again;
  for (int64_t i = 0; i < b.count(); ++i) {
    const auto [bx, by] = b.batch(i);
    for (int64_t r = 0; r < by.dim(0); ++r) again.push_back(by[r]);
  }
  EXPECT_EQ(first, again);
  b.start_epoch(1);
  std::vector<float> next;
  for (int64_t i = 0; i < b.count(); ++i) {
    const auto [bx, by] = b.batch(i);
    for (int64_t r = 0; r < by.dim(0); ++r) next.push_back(by[r]);
  }
  EXPECT_NE(first, next);
}

}  // namespace
}  // namespace initlab
