#include "initlab/data/idx.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>

#include "initlab/data/fashion_mnist.hpp"
#include "initlab/core/atomic_file.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using initlab::testing::error_of;

std::string idx_bytes(unsigned char type, std::vector<uint32_t> dims, const std::string& payload) {
  std::string s = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int k = 3; k >= 0; --k) s += static_cast<char>((d >> (8 * k)) & 0xff);
  }
  return s + payload;
}

TEST(Idx, DecodesEveryTypeBigEndian) {
  const IdxArray u8 = decode_idx(idx_bytes(0x08, {2, 3}, std::string("\x00\x01\x02\xfd\xfe\xff", 6)), "u8");
  EXPECT_EQ(u8.dims, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(u8.values, (std::vector<float>{0, 1, 2, 253, 254, 255}));
  EXPECT_EQ(decode_idx(idx_bytes(0x09, {1}, "\xff"), "i8").values[0], -1.0f);
  EXPECT_EQ(decode_idx(idx_bytes(0x0B, {1}, std::string("\xff\xfe", 2)), "i16").values[0], -2.0f);
  EXPECT_EQ(decode_idx(idx_bytes(0x0C, {1}, std::string("\x00\x01\x00\x00", 4)), "i32").values[0], 65536.0f);
  EXPECT_EQ(decode_idx(idx_bytes(0x0D, {1}, std::string("\x3f\xc0\x00\x00", 4)), "f32").values[0], 1.5f);
  EXPECT_EQ(decode_idx(idx_bytes(0x0E, {1}, std::string("\xc0\x04\x00\x00\x00\x00\x00\x00", 8)), "f64").values[0], -2.5f);
}

TEST(Idx, TruncatedOrForeignFilesSayWhatAndWhere) {
  EXPECT_EQ(error_of([] { decode_idx(idx_bytes(0x08, {3, 2}, "abc"), "train-images-idx3-ubyte"); }),
            "train-images-idx3-ubyte: expected 6 bytes of values for dimensions (3, 2), found 3");
  EXPECT_NE(error_of([] { decode_idx("PK\x03\x04", "x.idx"); }).find("x.idx: not an IDX file"), std::string::npos);
  EXPECT_NE(error_of([] { decode_idx(std::string("\0\0\x08\x03\0\0", 6), "h"); }).find("expected a 16-byte header"),
            std::string::npos);
}

TEST(Idx, ReadsGzipAndReportsCorruptGzip) {
  const std::string raw = idx_bytes(0x08, {4}, "\x01\x02\x03\x04");
  const std::string path = ::testing::TempDir() + "/initlab_test.idx.gz";
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, raw.data(), static_cast<unsigned>(raw.size()));
  gzclose(f);
  EXPECT_EQ(read_idx(path).values, (std::vector<float>{1, 2, 3, 4}));
  const std::string whole = read_file(path);
  write_file_atomically(path, whole.substr(0, whole.size() / 2));
  EXPECT_THROW(read_idx(path), IoError);
  EXPECT_NE(error_of([] { read_idx("/nonexistent/file.idx"); }).find("/nonexistent/file.idx: cannot open"),
            std::string::npos);
}

TEST(FashionMnist, MissingFilesNameThePackage) {
  EXPECT_FALSE(fashion_mnist_available("/nonexistent"));
  const std::string msg = error_of([] { load_fashion_mnist("/nonexistent"); });
  EXPECT_NE(msg.find("/nonexistent/train-images-idx3-ubyte.gz: file not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find("dataset-fashion-mnist"), std::string::npos) << msg;
}

TEST(FashionMnist, ATruncatedFileNamesSizesAndPackage) {
  const std::string dir = ::testing::TempDir() + "/initlab_fmnist";
  std::filesystem::create_directories(dir);
  write_file_atomically(dir + "/train-images-idx3-ubyte", idx_bytes(0x08, {60000, 28, 28}, std::string(1200, '\0')));
  write_file_atomically(dir + "/train-labels-idx1-ubyte", idx_bytes(0x08, {60000}, std::string(60000, '\0')));
  const std::string msg = error_of([&] { load_fashion_mnist(dir); });
  EXPECT_NE(msg.find("train-images-idx3-ubyte: expected 47040000 bytes of values for dimensions (60000, 28, 28), "
                     "found 1200"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("dataset-fashion-mnist"), std::string::npos) << msg;
}

TEST(FashionMnist, LoadsTheDebianPackage) {
  if (!fashion_mnist_available()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const FashionMnist d = load_fashion_mnist();
  EXPECT_EQ(d.train.images.shape(), (Shape{60000, 28, 28, 1}));
  EXPECT_EQ(d.test.labels.shape(), (Shape{10000}));
  // Balanced classes: 6000 per class in training, 1000 in test.
  std::vector<int> count(10, 0);
  for (float l : d.train.labels.values()) count[static_cast<size_t>(l)]++;
  for (int c : count) EXPECT_EQ(c, 6000);
  float lo = 1, hi = 0;
  for (float v : d.test.images.values()) lo = std::min(lo, v), hi = std::max(hi, v);
  EXPECT_EQ(lo, 0.0f);
  EXPECT_EQ(hi, 1.0f);
}

}  // namespace
}  // namespace initlab
