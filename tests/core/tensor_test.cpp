#include "initlab/core/tensor.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

#include <cmath>
#include <cstdint>
#include <functional>

#include "initlab/core/error.hpp"
#include "initlab/core/summary.hpp"
#include "initlab/io/npy.hpp"

namespace initlab {
namespace {

using initlab::testing::error_of;

TEST(Shape, ParsesPrintsAndCounts) {
  EXPECT_EQ(Shape::parse("784,64"), (Shape{784, 64}));
  EXPECT_EQ(Shape::parse("(3, 3, 16, 32)"), (Shape{3, 3, 16, 32}));
  EXPECT_EQ(Shape::parse("3x3x1x8"), (Shape{3, 3, 1, 8}));
  EXPECT_EQ(Shape::parse("(7,)"), (Shape{7}));
  EXPECT_EQ(Shape::parse("").rank(), 0);
  EXPECT_EQ((Shape{784, 64}).str(), "(784, 64)");
  EXPECT_EQ((Shape{7}).str(), "(7,)");
  EXPECT_EQ(Shape{}.str(), "()");
  EXPECT_EQ(Shape{}.numel(), 1);
  EXPECT_EQ((Shape{3, 0, 2}).numel(), 0);
  EXPECT_EQ((Shape{2, 3, 4})[-1], 4);
  EXPECT_THROW(Shape::parse("3,,4"), ValueError);
  EXPECT_THROW(Shape::parse("3,a"), ValueError);
  EXPECT_THROW((Shape{1, 2, 3, 4, 5, 6, 7}), ShapeError);
  EXPECT_THROW((Shape{2, -1}), ShapeError);
}

TEST(Tensor, IsAlignedZeroFilledAndRowMajor) {
  for (int64_t n : {0, 1, 3, 17, 1000}) {
    Tensor t(Shape{n});
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u);
    for (float x : t.values()) EXPECT_EQ(x, 0.0f);
  }
  Tensor m(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(m.at({1, 0}), 4.0f);
  EXPECT_EQ(m.at({0, 2}), 3.0f);
  EXPECT_EQ(Tensor().size(), 1);
  EXPECT_EQ(Tensor().rank(), 0);
}

TEST(Tensor, ReshapeSharesStorageCloneDoesNot) {
  Tensor m(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor v = m.reshape(Shape{3, 2});
  EXPECT_TRUE(v.shares_storage_with(m));
  v.at({2, 1}) = 60;
  EXPECT_EQ(m.at({1, 2}), 60.0f);
  Tensor c = m.clone();
  c.fill(0);
  EXPECT_EQ(m.at({0, 0}), 1.0f);
  Tensor d(Shape{2, 3});
  d.copy_from(m);
  EXPECT_EQ(d.at({1, 2}), 60.0f);
  EXPECT_FALSE(d.shares_storage_with(m));
}

TEST(Tensor, ErrorsPrintTheShapes) {
  Tensor m(Shape{784, 64});
  EXPECT_EQ(error_of([&] { m.reshape(Shape{100, 100}); }),
            "reshape: cannot view (784, 64) (50176 elements) as (100, 100) (10000 elements)");
  EXPECT_EQ(error_of([&] { m.at({784, 0}); }), "tensor (784, 64): index 784 out of range for axis 0 (size 784)");
  EXPECT_EQ(error_of([&] { m.at({1}); }), "tensor (784, 64): index with 1 coordinates, expected 2");
  Tensor small(Shape{3});
  EXPECT_EQ(error_of([&] { small.copy_from(m); }), "copy_from: destination has shape (3,), source has shape (784, 64)");
  EXPECT_EQ(error_of([] { Tensor(Shape{2, 2}, {1, 2, 3}); }), "tensor: shape (2, 2) needs 4 values, got 3");
}

TEST(Summary, MeanStdMinMax) {
  Tensor t(Shape{4}, {1, 2, 3, 4});
  const Summary s = summarize(t.values());
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(1.25));
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 4);
}

TEST(Npy, RoundTripsAndRefusesBadFiles) {
  Tensor t(Shape{2, 3}, {1, -2, 3.5f, 4, 5, 6});
  const std::string bytes = encode_npy(t);
  EXPECT_EQ(bytes.substr(0, 6), "\x93NUMPY");
  EXPECT_EQ((bytes.size() - t.size() * 4) % 64, 0u);  // header padded to 64 bytes
  EXPECT_NE(bytes.find("'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), std::string::npos);
  const Tensor back = decode_npy(bytes);
  EXPECT_EQ(back.shape(), t.shape());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(back[i], t[i]);
  EXPECT_NE(encode_npy(Tensor(Shape{7})).find("'shape': (7,)"), std::string::npos);
  EXPECT_NE(encode_npy(Tensor()).find("'shape': ()"), std::string::npos);
  EXPECT_EQ(error_of([&] { decode_npy(bytes.substr(0, bytes.size() - 4), "w.npy"); }),
            "w.npy: shape (2, 3) needs 24 bytes of data, found 20");
  EXPECT_NE(error_of([] { decode_npy("hello world", "x.npy"); }).find("x.npy: not a .npy file"), std::string::npos);
  std::string f8 = bytes;
  f8.replace(f8.find("<f4"), 3, "<f8");
  EXPECT_NE(error_of([&] { decode_npy(f8, "d.npy"); }).find("dtype '<f8' is not supported"), std::string::npos);
  const std::string path = ::testing::TempDir() + "/initlab_npy_test.npy";
  save_npy(path, t);
  EXPECT_EQ(load_npy(path).at({0, 2}), 3.5f);
  EXPECT_THROW(load_npy(path + ".missing"), IoError);
  EXPECT_THROW(save_npy("/nonexistent-dir/x.npy", t), IoError);
}

}  // namespace
}  // namespace initlab
