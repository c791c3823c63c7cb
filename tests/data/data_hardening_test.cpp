// Data files from careless or hostile sources: compression bombs, headers that
// declare more than the file holds, non-finite values, duplicate or missing
// CSV columns, malformed .npy headers.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/memory_budget.hpp"
#include "initlab/data/csv.hpp"
#include "initlab/data/fashion_mnist.hpp"
#include "initlab/data/idx.hpp"
#include "initlab/io/npy.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

namespace fs = std::filesystem;
using initlab::testing::error_of;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string fresh_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/initlab_data_" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string idx_header(unsigned char type, const std::vector<uint32_t>& dims) {
  std::string s = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int k = 3; k >= 0; --k) s += static_cast<char>((d >> (8 * k)) & 0xff);
  }
  return s;
}

// `head`, then `zeros` zero bytes, gzip-compressed into `path`.
void write_gzip(const std::string& path, const std::string& head, uint64_t zeros) {
  gzFile f = gzopen(path.c_str(), "wb1");
  ASSERT_NE(f, nullptr);
  gzwrite(f, head.data(), static_cast<unsigned>(head.size()));
  const std::string block(1 << 20, '\0');
  for (uint64_t left = zeros; left > 0;) {
    const auto n = static_cast<unsigned>(std::min<uint64_t>(left, block.size()));
    gzwrite(f, block.data(), n);
    left -= n;
  }
  gzclose(f);
}

// Sets a fixed memory budget for the scope.
struct Budget {
  explicit Budget(uint64_t bytes) { set_memory_budget(bytes); }
  ~Budget() { set_memory_budget(std::nullopt); }
};

TEST(IdxHardening, AGzipBombStopsAtTheSizeTheHeaderDeclares) {
  const std::string dir = fresh_dir("bomb");
  const std::string path = dir + "/train-images-idx3-ubyte.gz";
  // The header declares 10 images of 28×28 (7840 bytes); the stream inflates to 64 MB.
  write_gzip(path, idx_header(0x08, {10, 28, 28}), uint64_t{64} << 20);
  ASSERT_LT(fs::file_size(path), 1u << 20);
  const Budget budget(uint64_t{1} << 20);  // far below what inflating it all would take
  const auto t0 = std::chrono::steady_clock::now();
  const std::string msg = error_of([&] { read_idx(path); });
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(msg, path + ": expected 7840 bytes of values for dimensions (10, 28, 28), found more");
  EXPECT_LT(secs, 2.0) << "inflated far past the declared size";

  // The same header with exactly its values reads.
  write_gzip(path, idx_header(0x08, {10, 28, 28}), 7840);
  EXPECT_EQ(read_idx(path).values.size(), 7840u);
}

TEST(IdxHardening, AHeaderDeclaringTooMuchIsRefusedBeforeAnythingIsAllocated) {
  const std::string dir = fresh_dir("huge");
  // 4 billion × 4 billion values in a 40-byte file: refused from the header alone.
  const std::string gz = dir + "/huge.gz";
  write_gzip(gz, idx_header(0x08, {0xffffffffu, 0xffffffffu}), 16);
  const Budget budget(uint64_t{64} << 20);
  const std::string msg = error_of([&] { read_idx(gz); });
  EXPECT_TRUE(contains(msg, gz + ": 18446744065119617025 values of dimensions (4294967295, 4294967295) needs "
                                 "more than 18 EB"))
      << msg;
  // A plain file: compared with the file's size first.
  const std::string plain = dir + "/huge.idx";
  write_file_atomically(plain, idx_header(0x0D, {100000, 100000}) + std::string(8, '\0'));
  EXPECT_EQ(error_of([&] { read_idx(plain); }),
            plain + ": expected 40000000000 bytes of values for dimensions (100000, 100000), found 8");
  // A rank-255 header whose product overflows 64 bits.
  std::vector<uint32_t> many(255, 0xffffffffu);
  EXPECT_TRUE(contains(error_of([&] { decode_idx(idx_header(0x08, many), "r255"); }), "more than 2^64"));
}

TEST(IdxHardening, DimensionsAreCheckedBeforeTheValuesAreRead) {
  const std::string dir = fresh_dir("dims");
  const std::string path = dir + "/labels.gz";
  write_gzip(path, idx_header(0x08, {1000000}), 10);  // declares a million labels, holds ten
  const std::string msg = error_of([&] {
    read_idx(path, [](const std::vector<int64_t>& dims) {
      if (dims[0] != 60000) throw IoError("expected 60000 labels");
    });
  });
  EXPECT_EQ(msg, "expected 60000 labels");
}

TEST(IdxHardening, GzipIsRecognisedByItsBytesNotItsName) {
  const std::string dir = fresh_dir("sniff");
  write_gzip(dir + "/plain-name-idx1-ubyte", idx_header(0x08, {3}) + "\x01\x02\x03", 0);
  EXPECT_EQ(read_idx(dir + "/plain-name-idx1-ubyte").values, (std::vector<float>{1, 2, 3}));
  write_file_atomically(dir + "/raw.gz", idx_header(0x08, {2}) + "\x05\x06");
  EXPECT_EQ(read_idx(dir + "/raw.gz").values, (std::vector<float>{5, 6}));
}

TEST(IdxHardening, NonFiniteFloatsNameTheFileAndTheElement) {
  auto be = [](uint32_t b) {
    std::string s;
    for (int k = 3; k >= 0; --k) s += static_cast<char>((b >> (8 * k)) & 0xff);
    return s;
  };
  const std::string f32 = idx_header(0x0D, {2, 2}) + be(0x3f800000) + be(0x3f800000) + be(0x3f800000) + be(0x7fc00000);
  EXPECT_EQ(error_of([&] { decode_idx(f32, "x.idx"); }),
            "x.idx: value 3 (element (1, 1)) is nan; expected finite float32 values");
  const std::string inf = idx_header(0x0D, {1}) + be(0xff800000);
  EXPECT_TRUE(contains(error_of([&] { decode_idx(inf, "y.idx"); }), "y.idx: value 0 (element (0)) is -inf"));
  // A float64 beyond float32's range would become inf.
  const std::string f64 = idx_header(0x0E, {1}) + std::string("\x7e\x37\xe4\x3c\x88\x00\x75\x9c", 8);  // 1e300
  EXPECT_TRUE(contains(error_of([&] { decode_idx(f64, "z.idx"); }), "1e+300, beyond float32's range"));
}

TEST(IdxHardening, NotARegularFile) {
  const std::string dir = fresh_dir("notreg");
  EXPECT_EQ(error_of([&] { read_idx(dir); }), dir + ": not a regular file (a directory)");
  // Fashion-MNIST's folder with a directory where a file should be.
  fs::create_directories(dir + "/train-images-idx3-ubyte");
  write_file_atomically(dir + "/train-labels-idx1-ubyte", idx_header(0x08, {60000}) + std::string(60000, '\0'));
  EXPECT_TRUE(contains(error_of([&] { load_fashion_mnist(dir); }), "not a regular file (a directory)"));
}

TEST(CsvHardening, DuplicateEmptyAndMissingColumnsAreNamedUpFront) {
  EXPECT_EQ(error_of([] { parse_csv("a,label,label\n1,2,3\n", "label", "d.csv"); }),
            "d.csv:1: column 'label' appears twice (columns 2 and 3)");
  EXPECT_EQ(error_of([] { parse_csv("\n\nx,x\n1,2\n", "y", "d.csv"); }),
            "d.csv:3: column 'x' appears twice (columns 1 and 2)");
  EXPECT_TRUE(contains(error_of([] { parse_csv(",a,label\n0,1,2\n", "label", "p.csv"); }),
                       "p.csv:1: column 1 has no name (pandas writes its index that way"));
  EXPECT_TRUE(contains(error_of([] { parse_csv("a,label,\n1,2,\n", "label", "t.csv"); }),
                       "t.csv:1: column 3 has no name (a trailing comma?)"));
  EXPECT_EQ(error_of([] { parse_csv("a,label\n1,2\n", "lable", "d.csv"); }),
            "d.csv: no column named 'lable' (columns: a, label); did you mean 'label'?");
  EXPECT_TRUE(contains(error_of([] { parse_csv("a;b;label\n1;2;3\n", "label", "s.csv"); }), "separated by ';'"));
  EXPECT_EQ(error_of([] { parse_csv("label\n1\n", "label", "o.csv"); }),
            "o.csv:1: only the label column 'label'; expected at least one feature column");
}

TEST(CsvHardening, NonFiniteAndOutOfRangeValuesNameLineAndColumn) {
  EXPECT_EQ(error_of([] { parse_csv("a,b\n1,2\nnan,3\n", "b", "d.csv"); }),
            "d.csv:3: column 'a': expected a finite number, found \"nan\"");
  EXPECT_EQ(error_of([] { parse_csv("a,b\n1,-inf\n", "b", "d.csv"); }),
            "d.csv:2: column 'b': expected a finite number, found \"-inf\"");
  EXPECT_EQ(error_of([] { parse_csv("a,b\n1e39,1\n", "b", "d.csv"); }),
            "d.csv:2: column 'a': 1e39 is beyond float32's range (±3.4e38)");
  EXPECT_TRUE(contains(error_of([] { parse_csv("a,b\n1e400,1\n", "b", "d.csv"); }), "beyond float32's range"));
  EXPECT_EQ(error_of([] { parse_csv("a,b\n1,\n", "b", "d.csv"); }),
            "d.csv:2: column 'b': expected a number, found an empty cell");
  // A long cell is quoted as an excerpt, not in full.
  const std::string msg = error_of([] { parse_csv("a,b\n" + std::string(100000, 'x') + ",1\n", "b", "d.csv"); });
  EXPECT_LT(msg.size(), 200u) << msg.size();
  // '+', exponents, a byte-order mark and quoted cells are fine; the locale plays no part.
  const CsvTable t = parse_csv("\xEF\xBB\xBF\"a\",b\n+1.5e2,\"2\"\n", "b", "d.csv");
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"a"}));
  EXPECT_EQ(t.x[0], 150.0f);
}

TEST(CsvHardening, ATestTableMustHaveTheTrainingTablesColumnsInAnyOrder) {
  const std::vector<std::string> features = {"x1", "x2"};
  const CsvTable t = parse_csv("x2,y,x1\n20,1,10\n", "y", "test.csv", &features);
  EXPECT_EQ(t.feature_names, features);
  EXPECT_EQ(t.x[0], 10.0f);
  EXPECT_EQ(t.x[1], 20.0f);
  EXPECT_TRUE(contains(error_of([&] { parse_csv("x1,y\n1,2\n", "y", "test.csv", &features); }),
                       "test.csv:1: column 'x2' is missing"));
  EXPECT_TRUE(contains(error_of([&] { parse_csv("x1,x2,x3,y\n1,2,3,4\n", "y", "test.csv", &features); }),
                       "test.csv:1: column 'x3' is not one of the expected feature columns (x1, x2)"));
}

TEST(CsvHardening, FilesThatAreNotRegularOrTooLarge) {
  const std::string dir = fresh_dir("csv");
  EXPECT_EQ(error_of([&] { load_csv(dir, "y"); }), dir + ": not a regular file (a directory)");
  std::string big = "a,y\n";
  while (big.size() < 100000) big += "1,2\n";
  write_file_atomically(dir + "/big.csv", big);
  const Budget budget(50000);
  EXPECT_TRUE(contains(error_of([&] { load_csv(dir + "/big.csv", "y"); }), "needs"));
}

// .npy bytes with the given header text (v1.0) and `data`.
std::string npy_with(const std::string& header, const std::string& data) {
  std::string out("\x93NUMPY\x01\x00", 8);
  const auto len = static_cast<uint16_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  return out + header + data;
}

std::string floats(std::initializer_list<float> v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), std::data(v), s.size());
  return s;
}

TEST(NpyHardening, HeadersAreParsedStrictly) {
  const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
  EXPECT_EQ(decode_npy(npy_with(ok, floats({1, 2})), "ok.npy").shape(), (Shape{2}));
  // Python 2's long integers and double quotes, as old NumPy wrote them.
  EXPECT_EQ(decode_npy(npy_with("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2L,)}", floats({1, 2})))
                .shape(),
            (Shape{2}));
  auto err = [](const std::string& header, const std::string& data = "") {
    return error_of([&] { decode_npy(npy_with(header, data), "h.npy"); });
  };
  EXPECT_TRUE(contains(err("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}"),
                       "unexpected key 'extra'"));
  EXPECT_TRUE(contains(err("{'descr': '<f4', 'fortran_order': False}"), "the key 'shape' is missing"));
  EXPECT_TRUE(contains(err("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}"), "appears twice"));
  EXPECT_TRUE(contains(err("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 2)}"), "negative"));
  EXPECT_TRUE(contains(err("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}"),
                       "too large"));
  EXPECT_TRUE(contains(err("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1)}"),
                       "more than 6 dimensions"));
  EXPECT_TRUE(contains(err("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}"), "structured"));
  EXPECT_TRUE(contains(err("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}"), "a.astype(np.float32)"));
  EXPECT_TRUE(contains(err("{'descr': '|O', 'fortran_order': False, 'shape': (1,)}"), "dtype '|O' is not supported"));
  EXPECT_TRUE(contains(err("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}"), "True or False"));
  EXPECT_TRUE(contains(err("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk"), "after the closing"));
  EXPECT_TRUE(contains(err("{'descr': '<f4"), "unterminated"));
  // Longer than NumPy's 10000-byte limit.
  EXPECT_TRUE(contains(err(std::string(20000, ' ')), "the .npy header is 20000 bytes long"));
  // An error quotes an excerpt of the header, not all of it.
  EXPECT_LT(err("{'" + std::string(9000, 'k') + "': 1}").size(), 300u);
}

TEST(NpyHardening, AShapeLargerThanTheFileIsRefusedBeforeAllocating) {
  const Budget budget(uint64_t{1} << 20);
  const std::string big = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }";
  EXPECT_EQ(error_of([&] { decode_npy(npy_with(big, floats({1})), "w.npy"); }),
            "w.npy: shape (100000, 100000) needs 40000000000 bytes of data, found 4");
  const std::string wraps =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }";
  EXPECT_TRUE(contains(error_of([&] { decode_npy(npy_with(wraps, ""), "w.npy"); }), "needs more than 2^64 bytes"));
  // The same through a file, which is never read past its header.
  const std::string dir = fresh_dir("npy");
  write_file_atomically(dir + "/w.npy", npy_with(big, floats({1})));
  EXPECT_TRUE(contains(error_of([&] { load_npy(dir + "/w.npy"); }), "needs 40000000000 bytes of data, found 4"));
  EXPECT_EQ(error_of([&] { load_npy(dir); }), dir + ": not a regular file (a directory)");
}

TEST(NpyHardening, FortranOrderIsTransposedAndNonFiniteValuesAreRefused) {
  const std::string f = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
  const Tensor t = decode_npy(npy_with(f, floats({1, 4, 2, 5, 3, 6})), "f.npy");  // columns of [[1,2,3],[4,5,6]]
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t[i], static_cast<float>(i + 1));
  const std::string c = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
  EXPECT_EQ(error_of([&] { decode_npy(npy_with(c, floats({1, 2, 3, NAN})), "n.npy"); }),
            "n.npy: value 3 (element (1, 1)) is nan; expected finite values");
  // Versions 2.0 and 3.0 have a 4-byte length; 4.0 does not exist.
  std::string v2("\x93NUMPY\x02\x00", 8);
  const std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  v2 += std::string("\0\0\0\0", 4);
  v2[8] = static_cast<char>(h.size());
  EXPECT_EQ(decode_npy(v2 + h + floats({7}), "v2.npy")[0], 7.0f);
  std::string v4 = v2;
  v4[6] = 4;
  EXPECT_TRUE(contains(error_of([&] { decode_npy(v4 + h + floats({7}), "v4.npy"); }), "version 4.0 is not supported"));
}

}  // namespace
}  // namespace initlab
