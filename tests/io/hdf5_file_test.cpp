// H5File / H5Group: files written by h5py read exactly (strings in every
// spelling, datasets of every dtype), files initlab writes read back bit for
// bit, and one test per refusal (not HDF5, truncated, soft link, external
// link, external dataset, a dataset declaring 32 GiB) with its message.
#include "initlab/io/hdf5_file.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "container_fixtures.hpp"
#include "h5_fixtures.hpp"
#include "initlab/core/atomic_file.hpp"
#include "initlab/core/memory_budget.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using testing::error_of;
using testing::h5_fixture;
using testing::h5_fixture_path;
using testing::le_bytes;
using testing::ramp;
using testing::stored;
using testing::values_of;

std::string fixture_bytes(const std::string& name) { return read_file(h5_fixture_path(name)); }

TEST(Hdf5File, ReadsADatasetH5pyWrote) {
  const H5File f = h5_fixture("k3_basic.weights.h5");
  const StoredTensor kernel = f.root().read_dataset("layers/dense/vars/0");
  EXPECT_EQ(kernel.dtype, DType::kF32);
  EXPECT_EQ(kernel.shape, Shape({3, 4}));
  EXPECT_EQ(kernel.name, "layers/dense/vars/0");
  EXPECT_EQ(values_of(kernel), ramp(12, 0.0, 0.5));
  const StoredTensor iteration = f.root().group("optimizer").group("vars").read_dataset("0");
  EXPECT_EQ(iteration.dtype, DType::kI64);
  EXPECT_EQ(iteration.shape.rank(), 0);
  EXPECT_EQ(iteration.as_int64(), 7);
}

TEST(Hdf5File, ChildrenAreListedAsHdf5ListsThem) {
  const H5Group vars = h5_fixture("k3_many_vars.weights.h5").root().group("layers/custom/vars");
  EXPECT_EQ(vars.path(), "/layers/custom/vars");
  EXPECT_EQ(vars.children(), (std::vector<std::string>{"0", "1", "10", "11", "2", "3", "4", "5", "6", "7", "8", "9"}));
  EXPECT_TRUE(vars.has_dataset("10"));
  EXPECT_FALSE(vars.has_group("10"));
  EXPECT_FALSE(vars.has_dataset("12"));
  EXPECT_FALSE(vars.has_dataset("10/x"));  // a dataset has no members
}

TEST(Hdf5File, StringAttributesInEverySpelling) {
  // Variable-length UTF-8 scalar (Keras 3's `name`).
  EXPECT_EQ(h5_fixture("k3_basic.weights.h5").root().group("layers/dense/vars").string_attribute("name"), "layer1");
  // Fixed-length null-padded |S37 (h5py 2) and variable-length ASCII (h5py 3 bytes).
  const H5Group old = h5_fixture("legacy_h5py2_weights.h5").root();
  EXPECT_EQ(old.string_attribute("backend"), "tensorflow");
  EXPECT_EQ(old.string_list_attribute("layer_names"), (std::vector<std::string>{"dense_12", "dropout_3", "dense_13"}));
  EXPECT_EQ(old.group("dense_12").string_list_attribute("weight_names"), (std::vector<std::string>{"kernel", "bias"}));
  // An empty weight_names is a float64 (0,) array.
  EXPECT_EQ(old.group("dropout_3").string_list_attribute("weight_names"), std::vector<std::string>{});
  const H5File tf2 = h5_fixture("legacy_tf2_model.h5");
  EXPECT_EQ(tf2.root().string_attribute("keras_version"), "2.15.0");
  EXPECT_EQ(tf2.root().group("model_weights").string_list_attribute("layer_names"),
            (std::vector<std::string>{"conv2d", "flatten", "dense"}));
  // Chunks layer_names0, layer_names1, layer_names2 are one list.
  EXPECT_EQ(h5_fixture("legacy_chunked.h5").root().group("model_weights").string_list_attribute("layer_names"),
            (std::vector<std::string>{"d0", "d1", "d2", "d3", "d4"}));
  EXPECT_EQ(old.string_attribute("absent"), std::nullopt);
  EXPECT_EQ(old.string_list_attribute("absent"), std::nullopt);
  // A list where one string is expected.
  EXPECT_NE(error_of([&] { (void)old.string_attribute("layer_names"); })
                .find("legacy_h5py2_weights.h5: / attribute 'layer_names': holds 3 strings (expected one)"),
            std::string::npos);
}

TEST(Hdf5File, EveryDtypeRoundTripsBitForBit) {
  using testing::stored;
  const std::vector<StoredTensor> tensors = {
      stored("f32", DType::kF32, Shape{2, 2}, le_bytes<float>({1.5f, -0.0f, 3e-39f, 65504.f})),
      stored("f64", DType::kF64, Shape{3}, le_bytes<double>({0.1, -2.5, 1e300})),
      stored("f16", DType::kF16, Shape{2}, le_bytes<uint16_t>({0x3c00, 0xc000})),  // 1, -2
      stored("bf16", DType::kBF16, Shape{2}, le_bytes<uint16_t>({0x3f80, 0x4049})),
      stored("i8", DType::kI8, Shape{2}, le_bytes<int8_t>({-128, 127})),
      stored("u8", DType::kU8, Shape{1}, le_bytes<uint8_t>({255})),
      stored("i16", DType::kI16, Shape{1}, le_bytes<int16_t>({-300})),
      stored("u16", DType::kU16, Shape{1}, le_bytes<uint16_t>({65535})),
      stored("i32", DType::kI32, Shape{}, le_bytes<int32_t>({-7})),
      stored("u32", DType::kU32, Shape{1}, le_bytes<uint32_t>({4000000000u})),
      stored("i64", DType::kI64, Shape{}, le_bytes<int64_t>({int64_t{1} << 40})),
      stored("u64", DType::kU64, Shape{1}, le_bytes<uint64_t>({~uint64_t{0}})),
      stored("bool", DType::kBool, Shape{3}, le_bytes<uint8_t>({1, 0, 1})),
      stored("empty", DType::kF32, Shape{0, 3}, ""),
  };
  H5File out = H5File::create_in_memory("round trip");
  H5Group root = out.root();
  for (const StoredTensor& t : tensors) root.write_dataset("group/" + t.name, t);
  const std::string image = out.image();
  ASSERT_TRUE(has_hdf5_signature(image));
  const H5File back = H5File::from_image(image, "back.h5");
  for (const StoredTensor& t : tensors) {
    const StoredTensor r = back.root().read_dataset("group/" + t.name);
    EXPECT_EQ(r.dtype, t.dtype) << t.name;
    EXPECT_EQ(r.shape, t.shape) << t.name;
    EXPECT_EQ(r.bytes, t.bytes) << t.name;
  }
  EXPECT_EQ(back.root().group("group").children().size(), tensors.size());
}

TEST(Hdf5File, DatasetsOfH5pyDtypesRead) {
  const H5Group g = h5_fixture("k3_dtypes.weights.h5").root();
  const StoredTensor opaque = g.read_dataset("layers/dense/vars/0");  // ml_dtypes' bfloat16: 2-byte opaque
  EXPECT_EQ(opaque.dtype, DType::kBF16);
  EXPECT_EQ(opaque.shape, Shape({2, 3}));
  EXPECT_EQ(values_of(opaque), ramp(6, -1.0, 0.5));
  const StoredTensor as_u16 = g.read_dataset("layers/dense/vars/1");  // uint16 bits marked bfloat16
  EXPECT_EQ(as_u16.dtype, DType::kBF16);
  EXPECT_EQ(as_u16.bytes, le_bytes<uint16_t>({0x4000, 0x4080, 0x40c0}));  // 2, 4, 6
  const StoredTensor half = g.read_dataset("layers/dense/vars/2");
  EXPECT_EQ(half.dtype, DType::kF16);
  EXPECT_EQ(values_of(half), (std::vector<float>{0.5f, 1.5f, -2.0f}));
  const StoredTensor mean = g.read_dataset("layers/normalization/vars/0");
  EXPECT_EQ(mean.dtype, DType::kF64);
  EXPECT_EQ(mean.bytes, le_bytes<double>({0.1, 0.2}));
  const StoredTensor count = g.read_dataset("layers/normalization/vars/2");
  EXPECT_EQ(count.dtype, DType::kI32);
  EXPECT_EQ(count.as_int64(), 5);
  const StoredTensor flags = g.read_dataset("layers/flags/vars/0");
  EXPECT_EQ(flags.dtype, DType::kBool);
  EXPECT_EQ(flags.bytes, le_bytes<uint8_t>({1, 0, 1}));
}

TEST(Hdf5File, StringAttributesRoundTrip) {
  H5File out = H5File::create_in_memory("strings");
  H5Group g = out.root().create_group("a/b");
  EXPECT_EQ(g.path(), "/a/b");
  g.set_string_attribute("name", "dénse_1");
  g.set_string_attribute("name", "layer1");  // replaced
  g.set_string_attribute("ascii", "2.15.0", H5Charset::kAscii);
  g.set_string_list_attribute("names", {"dense/kernel:0", "dense/bias:0"});
  g.set_string_list_attribute("none", {});
  const H5File back = H5File::from_image(out.image(), "strings.h5");
  const H5Group r = back.root().group("a").group("b");
  EXPECT_EQ(r.string_attribute("name"), "layer1");
  EXPECT_EQ(r.string_attribute("ascii"), "2.15.0");
  EXPECT_EQ(r.string_list_attribute("names"), (std::vector<std::string>{"dense/kernel:0", "dense/bias:0"}));
  EXPECT_EQ(r.string_list_attribute("none"), std::vector<std::string>{});
}

TEST(Hdf5File, LongStringListsAreSplitAsTfKerasSplitsThem) {
  // 7000 names of 20 bytes: NumPy counts 140000 bytes; np.array_split into 3
  // chunks (2334, 2333, 2333 names; 46680 bytes each, under 64512) is the fewest that fit.
  std::vector<std::string> names;
  for (int i = 0; i < 7000; ++i) names.push_back(fmt::format("layer_{:014d}", i));
  H5File out = H5File::create_in_memory("chunks");
  out.root().set_string_list_attribute("layer_names", names);
  const H5File back = H5File::from_image(out.image(), "chunks.h5");
  const H5Group r = back.root();
  EXPECT_FALSE(r.has_attribute("layer_names"));
  EXPECT_FALSE(r.has_attribute("layer_names3"));
  EXPECT_EQ(r.string_list_attribute("layer_names0")->size(), 2334u);
  EXPECT_EQ(r.string_list_attribute("layer_names1")->size(), 2333u);
  EXPECT_EQ(r.string_list_attribute("layer_names2")->size(), 2333u);
  EXPECT_EQ(r.string_list_attribute("layer_names2")->back(), "layer_00000000006999");
  EXPECT_EQ(r.string_list_attribute("layer_names"), names);
}

TEST(Hdf5File, PathsAreRelativeHardLinkedNames) {
  const H5Group root = h5_fixture("k3_basic.weights.h5").root();
  EXPECT_NE(error_of([&] { (void)root.group("/layers"); }).find("'/layers' is an absolute path"), std::string::npos);
  EXPECT_NE(error_of([&] { (void)root.group("layers//dense"); }).find("empty or '.' component"), std::string::npos);
  EXPECT_NE(error_of([&] { (void)root.group("layers/./dense"); }).find("empty or '.' component"), std::string::npos);
  EXPECT_EQ(error_of([&] { (void)root.group("layers/conv2d"); }),
            h5_fixture_path("k3_basic.weights.h5") + ": /layers/conv2d: expected a group, found nothing");
  EXPECT_NE(error_of([&] { (void)root.read_dataset("layers/dense/vars"); }).find("expected a dataset, found a group"),
            std::string::npos);
  EXPECT_EQ(root.group("layers").group("dense").address(), root.group("layers/dense").address());
}

// ---- refusals -----------------------------------------------------------------------

TEST(Hdf5File, RefusesWhatIsNotHdf5) {
  EXPECT_EQ(error_of([] { (void)H5File::from_image("{\"weights\": []}", "w.h5"); }),
            "w.h5: not an HDF5 file (expected the signature 89 48 44 46 0d 0a 1a 0a, \"\\x89HDF\\r\\n\\x1a\\n\", at "
            "offset 0, 512, 1024, …; the file has 15 B and starts with 7b22776569676874)");
  EXPECT_NE(error_of([] { (void)H5File::from_image("", "empty.h5"); }).find("starts with nothing"), std::string::npos);
  EXPECT_NE(error_of([] { (void)H5File::open("/nonexistent/w.h5"); }).find("/nonexistent/w.h5"), std::string::npos);
  EXPECT_THROW((void)H5File::open("/nonexistent/w.h5"), IoError);
  std::string user_block(512, 'x');
  EXPECT_TRUE(has_hdf5_signature(user_block + "\x89HDF\r\n\x1a\n"));
  EXPECT_FALSE(has_hdf5_signature(std::string(100, 'x') + "\x89HDF\r\n\x1a\n"));
}

TEST(Hdf5File, RefusesATruncatedFile) {
  const std::string bytes = fixture_bytes("k3_basic.weights.h5");
  const std::string message = error_of([&] { (void)H5File::from_image(bytes.substr(0, bytes.size() / 2), "cut.h5"); });
  EXPECT_NE(message.find("cut.h5: not a readable HDF5 file: truncated file"), std::string::npos) << message;
  EXPECT_THROW((void)H5File::from_image(bytes.substr(0, 100), "cut.h5"), FormatError);
}

TEST(Hdf5File, RefusesSoftLinks) {
  const H5Group root = h5_fixture("k3_soft_link.weights.h5").root();
  const std::string where = h5_fixture_path("k3_soft_link.weights.h5");
  const std::string expected = where +
                               ": /layers/dense/vars/0: a soft link to '/data/kernel'; initlab, like Keras, reads only "
                               "hard links (plain groups and datasets)";
  EXPECT_EQ(error_of([&] { (void)root.group("layers/dense/vars").children(); }), expected);
  EXPECT_EQ(error_of([&] { (void)root.read_dataset("layers/dense/vars/0"); }), expected);
  EXPECT_EQ(error_of([&] { (void)root.has_dataset("layers/dense/vars/0"); }), expected);
  EXPECT_THROW((void)root.read_dataset("layers/dense/vars/0"), FormatError);
}

TEST(Hdf5File, RefusesExternalLinks) {
  const H5Group root = h5_fixture("k3_external_link.weights.h5").root();
  EXPECT_EQ(error_of([&] { (void)root.group("layers/dense"); }),
            h5_fixture_path("k3_external_link.weights.h5") +
                ": /layers/dense: an external link to '/layers/dense' in 'other.h5'; initlab, like Keras, reads only "
                "hard links (plain groups and datasets)");
  EXPECT_NE(error_of([&] { (void)root.group("layers").children(); }).find("an external link"), std::string::npos);
}

TEST(Hdf5File, RefusesExternalDatasets) {
  const H5Group root = h5_fixture("k3_external_dataset.weights.h5").root();
  EXPECT_EQ(error_of([&] { (void)root.read_dataset("layers/dense/vars/0"); }),
            h5_fixture_path("k3_external_dataset.weights.h5") +
                ": /layers/dense/vars/0: an external dataset: its data lives in another file ('kernel.raw'); initlab, "
                "like Keras, refuses them");
}

TEST(Hdf5File, RefusesADatasetDeclaringFarMoreThanItStores) {
  const H5Group root = h5_fixture("k3_huge_declared.weights.h5").root();
  EXPECT_EQ(error_of([&] { (void)root.read_dataset("layers/dense/vars/0"); }),
            h5_fixture_path("k3_huge_declared.weights.h5") +
                ": /layers/dense/vars/0: declares float32 (2147483648, 4) (34.4 GB) but stores 0 B; initlab, like "
                "Keras, refuses datasets declaring more than 4 GiB and more than 1000× their stored bytes");
}

TEST(Hdf5File, ChecksADatasetAgainstTheMemoryBudget) {
  // 80 MB of float32 declared and never written (HDF5 would return the fill value): over a 70 MB budget.
  const H5File f = h5_fixture("k3_unwritten.weights.h5");
  set_memory_budget(uint64_t{70} << 20);
  struct Restore {
    ~Restore() { set_memory_budget(std::nullopt); }
  } restore;
  const std::string message = error_of([&] { (void)f.root().read_dataset("layers/dense/vars/0"); });
  EXPECT_NE(message.find("k3_unwritten.weights.h5: /layers/dense/vars/0 float32 (20000000,) needs 80.0 MB"),
            std::string::npos)
      << message;
}

// Found by fuzzing: libhdf5 1.10 trusts the sizes in a global heap collection
// (where variable-length strings live). A size past the collection made it
// copy past its buffer (SIGSEGV in H5Aread); a zero-sized free block made it
// loop for ever. Both are refused before libhdf5 sees the file; whatever else
// crashes or hangs libhdf5 is caught by reading the file in a child process
// first (core/isolated_run, tested there).
TEST(Hdf5File, ADamagedGlobalHeapIsRefusedBeforeLibhdf5ReadsIt) {
  const std::string path = h5_fixture_path("damaged_global_heap.weights.h5");
  EXPECT_EQ(error_of([&] { (void)H5File::open(path); }),
            path + ": the file is damaged: the global heap collection at byte 3992 has object 5 of 151732604633098 "
                   "bytes, past its end");
  const std::string loop = h5_fixture_path("damaged_heap_loop.h5");
  EXPECT_EQ(error_of([&] { (void)H5File::open(loop); }),
            loop + ": the file is damaged: the global heap collection at byte 2048 has a free block of 0 bytes at byte "
                   "3968, which would never end");
  // The process goes on: the next file reads as ever.
  EXPECT_EQ(h5_fixture("k3_basic.weights.h5").root().read_dataset("layers/dense/vars/0").shape, Shape({3, 4}));
}

}  // namespace
}  // namespace initlab
