// safetensors: the writer against the bytes formats.md §3.2/§3.4 give (built
// here by hand), the reader against files laid out byte by byte by
// tests/fixtures/containers/make_fixtures.py, and every rule of §3.3 broken once.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <string>

#include "initlab/core/error.hpp"
#include "initlab/io/safetensors.hpp"
#include "io/container_fixtures.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using testing::container_fixture;
using testing::error_of;
using testing::le_bytes;
using testing::stored;

// A file: N, the header text as given, the byte buffer.
std::string file_of(const std::string& header, const std::string& data = "") {
  return le_bytes<uint64_t>({header.size()}) + header + data;
}

std::string refusal(const std::string& bytes) {
  return error_of([&] { (void)decode_safetensors(bytes, "t.safetensors"); });
}

TensorSet worked_example_set() {
  TensorSet set;  // added in the opposite of the written order: the writer sorts
  set.add(stored("0.weight", DType::kF32, Shape{3, 2}, le_bytes<float>({0.25f, 0.5f, 0.75f, 1.0f, 1.25f, 1.5f})));
  set.add(stored("0.bias", DType::kF32, Shape{3}, le_bytes<float>({0.5f, -1.0f, 2.0f})));
  set.metadata["format"] = "pt";
  return set;
}

TEST(Safetensors, WritesTheWorkedExampleByteForByte) {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"0.bias":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
      R"("0.weight":{"dtype":"F32","shape":[3,2],"data_offsets":[12,36]}})";
  ASSERT_EQ(header.size(), 155u);
  const std::string want = std::string("\xa0\0\0\0\0\0\0\0", 8) + header + "     " +
                           le_bytes<float>({0.5f, -1.0f, 2.0f}) +
                           le_bytes<float>({0.25f, 0.5f, 0.75f, 1.0f, 1.25f, 1.5f});
  const std::string got = encode_safetensors(worked_example_set());
  EXPECT_EQ(got.size(), 204u);
  EXPECT_EQ(got, want);
  EXPECT_EQ(got, container_fixture("worked_example.safetensors"));
}

TEST(Safetensors, ReadsTheWorkedExample) {
  const TensorSet set = decode_safetensors(container_fixture("worked_example.safetensors"), "w.safetensors");
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(set.tensors()[0].name, "0.bias");  // data order
  EXPECT_EQ(set.metadata, (std::map<std::string, std::string>{{"format", "pt"}}));
  const StoredTensor* w = set.find("0.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->dtype, DType::kF32);
  EXPECT_EQ(w->shape, (Shape{3, 2}));
  const Tensor v = w->to_float32();
  const float want[] = {0.25f, 0.5f, 0.75f, 1.0f, 1.25f, 1.5f};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(v[i], want[i]) << i;
  EXPECT_EQ(set.find("0.bias")->bytes, le_bytes<float>({0.5f, -1.0f, 2.0f}));
}

TEST(Safetensors, SortsByDtypeLargestAlignmentFirstThenName) {
  TensorSet set;
  set.add(stored("a", DType::kBool, Shape{1}, std::string("\x01", 1)));
  set.add(stored("b", DType::kF16, Shape{1}, le_bytes<uint16_t>({0x3c00})));
  set.add(stored("c", DType::kF32, Shape{1}, le_bytes<float>({1.0f})));
  set.add(stored("d", DType::kI64, Shape{}, le_bytes<int64_t>({5})));
  set.add(stored("e", DType::kU8, Shape{2}, std::string("\x01\x02", 2)));
  set.add(stored("b2", DType::kF32, Shape{1}, le_bytes<float>({2.0f})));
  set.add(stored("f", DType::kBF16, Shape{1}, le_bytes<uint16_t>({0x3f80})));
  const std::string bytes = encode_safetensors(set);
  // The enum's order: ... U8 (4) ... F16 (13) BF16 (14) ... F32 (17) ... I64 (20); descending, then by name.
  const std::string header =
      R"({"d":{"dtype":"I64","shape":[],"data_offsets":[0,8]},)"
      R"("b2":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},)"
      R"("c":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},)"
      R"("f":{"dtype":"BF16","shape":[1],"data_offsets":[16,18]},)"
      R"("b":{"dtype":"F16","shape":[1],"data_offsets":[18,20]},)"
      R"("e":{"dtype":"U8","shape":[2],"data_offsets":[20,22]},)"
      R"("a":{"dtype":"BOOL","shape":[1],"data_offsets":[22,23]}})";
  const size_t padded = (header.size() + 7) / 8 * 8;
  ASSERT_EQ(bytes.size(), 8 + padded + 23);
  EXPECT_EQ(bytes.substr(8, padded), header + std::string(padded - header.size(), ' '));
  EXPECT_EQ(bytes.substr(0, 8), le_bytes<uint64_t>({padded}));
  EXPECT_EQ(bytes.substr(8 + padded), le_bytes<int64_t>({5}) + le_bytes<float>({2.0f, 1.0f}) +
                                          le_bytes<uint16_t>({0x3f80, 0x3c00}) + std::string("\x01\x02\x01", 3));
}

TEST(Safetensors, ReadsEveryDtypeInAnyHeaderOrderWithWhitespace) {
  const TensorSet set = decode_safetensors(container_fixture("mixed.safetensors"), "mixed.safetensors");
  ASSERT_EQ(set.size(), 14u);
  EXPECT_EQ(set.metadata.at("format"), "pt");
  EXPECT_EQ(set.metadata.at("note"), "\xc3\xbc");  // "\u00fc" in the JSON
  // In data order, whatever order the header lists them in.
  const char* order[] = {"u8", "half", "w64", "mask", "empty", "bf", "step", "i32", "i8", "i16", "u16", "u32", "u64", "f32"};
  for (size_t i = 0; i < 14; ++i) EXPECT_EQ(set.tensors()[i].name, order[i]);
  const auto& t = [&](const char* name) -> const StoredTensor& { return *set.find(name); };
  EXPECT_EQ(t("u8").dtype, DType::kU8);
  EXPECT_EQ(t("u8").bytes, std::string("\x00\xff", 2));
  EXPECT_EQ(t("half").dtype, DType::kF16);
  EXPECT_EQ(t("half").to_float32()[1], -2.0f);
  EXPECT_EQ(t("w64").dtype, DType::kF64);
  EXPECT_EQ(t("w64").bytes, le_bytes<double>({1.5, -2.25}));
  EXPECT_EQ(t("mask").dtype, DType::kBool);
  EXPECT_EQ(t("mask").bytes, std::string("\x01\x00\x01", 3));
  EXPECT_EQ(t("empty").shape, (Shape{0, 3}));
  EXPECT_EQ(t("empty").bytes, "");
  EXPECT_EQ(t("bf").dtype, DType::kBF16);
  EXPECT_EQ(t("bf").to_float32()[1], -0.5f);
  EXPECT_EQ(t("step").shape, Shape{});
  EXPECT_EQ(t("step").as_int64(), 7);
  EXPECT_EQ(t("i32").bytes, le_bytes<int32_t>({-3, 2147483647}));
  EXPECT_EQ(t("i8").bytes, le_bytes<int8_t>({-128, 127}));
  EXPECT_EQ(t("i16").bytes, le_bytes<int16_t>({-32768}));
  EXPECT_EQ(t("u16").bytes, le_bytes<uint16_t>({65535}));
  EXPECT_EQ(t("u32").bytes, le_bytes<uint32_t>({4294967295u}));
  EXPECT_EQ(t("u64").dtype, DType::kU64);
  EXPECT_EQ(t("u64").bytes, le_bytes<uint64_t>({18446744073709551615ull}));
  EXPECT_EQ(t("f32").shape, (Shape{2, 1}));
  EXPECT_EQ(t("f32").bytes, le_bytes<float>({-0.125f, 3.0f}));
}

TEST(Safetensors, RoundTripsEveryDtype) {
  const TensorSet in = decode_safetensors(container_fixture("mixed.safetensors"), "mixed.safetensors");
  const TensorSet back = decode_safetensors(encode_safetensors(in), "again");
  ASSERT_EQ(back.size(), in.size());
  for (const StoredTensor& t : in.tensors()) {
    const StoredTensor* b = back.find(t.name);
    ASSERT_NE(b, nullptr) << t.name;
    EXPECT_EQ(b->dtype, t.dtype) << t.name;
    EXPECT_EQ(b->shape, t.shape) << t.name;
    EXPECT_EQ(b->bytes, t.bytes) << t.name;
  }
  EXPECT_EQ(back.metadata, in.metadata);
}

TEST(Safetensors, SavesAndLoadsAFile) {
  const std::string path = ::testing::TempDir() + "initlab_safetensors_" + std::to_string(::getpid()) + ".safetensors";
  save_safetensors(path, worked_example_set());
  const TensorSet back = load_safetensors(path);
  EXPECT_EQ(back.find("0.bias")->bytes, le_bytes<float>({0.5f, -1.0f, 2.0f}));
  std::remove(path.c_str());
  EXPECT_NE(error_of([&] { (void)load_safetensors(path); }).find(path), std::string::npos);
}

TEST(Safetensors, RefusesEveryRuleOfTheReferenceReader) {
  const std::string f12 = R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})";
  const std::string twelve(12, '\0');
  ASSERT_EQ(refusal(file_of(f12, twelve)), "(no error)");

  // 1. fewer than 8 bytes
  EXPECT_NE(refusal("\x05\0\0\0\0").find("HeaderTooSmall"), std::string::npos);
  // 2. N beyond 100,000,000
  EXPECT_NE(refusal(le_bytes<uint64_t>({100'000'001}) + "{}").find("HeaderTooLarge"), std::string::npos);
  EXPECT_NE(refusal(le_bytes<uint64_t>({~uint64_t{0}}) + "{}").find("HeaderTooLarge"), std::string::npos);
  // 3. 8 + N beyond the file
  EXPECT_NE(refusal(le_bytes<uint64_t>({100}) + "{}").find("InvalidHeaderLength"), std::string::npos);
  // 4. not UTF-8; not JSON; not the schema
  const std::string e4 = refusal(file_of("{\"a\xff\":1}"));
  EXPECT_NE(e4.find("InvalidHeader)"), std::string::npos) << e4;
  EXPECT_NE(e4.find("byte 11"), std::string::npos) << e4;
  EXPECT_NE(refusal(file_of("{\"a\":")).find("InvalidHeaderDeserialization"), std::string::npos);
  EXPECT_NE(refusal(file_of("[]")).find("expected a JSON object"), std::string::npos);
  const std::string unknown = refusal(file_of(R"({"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", "abcd"));
  EXPECT_NE(unknown.find("tensor 'w': unknown dtype \"F33\""), std::string::npos) << unknown;
  EXPECT_NE(refusal(file_of(R"({"w":{"dtype":"F32","shape":[1]}})")).find("tensor 'w': the field 'data_offsets' is missing"),
            std::string::npos);
  EXPECT_NE(refusal(file_of(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})")).find("tensor 'w': shape"),
            std::string::npos);
  EXPECT_NE(refusal(file_of(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})", "abcd"))
                .find("tensor 'w': data_offsets: expected [begin, end]"),
            std::string::npos);
  // 5. offsets: a gap, an overlap, an end before the begin
  const std::string gap = refusal(file_of(R"({"g":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", "12345678"));
  EXPECT_NE(gap.find("tensor 'g': data_offsets [4, 8] should start at 0"), std::string::npos) << gap;
  EXPECT_NE(gap.find("InvalidOffset"), std::string::npos);
  const std::string overlap = refusal(file_of(
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
      "12345678"));
  EXPECT_NE(overlap.find("tensor 'b': data_offsets [4, 8] should start at 8"), std::string::npos) << overlap;
  EXPECT_NE(refusal(file_of(R"({"r":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"s":{"dtype":"U8","shape":[1],"data_offsets":[2,1]}})", "x"))
                .find("InvalidOffset"),
            std::string::npos);
  // 6. overflow, a fraction of a byte, a size that does not match
  const std::string overflow =
      refusal(file_of(R"({"o":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})"));
  EXPECT_NE(overflow.find("tensor 'o'"), std::string::npos) << overflow;
  EXPECT_NE(overflow.find("ValidationOverflow"), std::string::npos) << overflow;
  const std::string bits = refusal(file_of(R"({"q":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", "ab"));
  EXPECT_NE(bits.find("tensor 'q': F4 [3] is 12 bits"), std::string::npos) << bits;
  EXPECT_NE(bits.find("MisalignedSlice"), std::string::npos);
  const std::string info = refusal(file_of(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678"));
  EXPECT_NE(info.find("tensor 'w': F32 [3] needs 12 bytes, but data_offsets [0, 8] hold 8"), std::string::npos) << info;
  EXPECT_NE(info.find("TensorInvalidInfo"), std::string::npos);
  // 7. a trailing byte; a missing byte
  const std::string trailing = refusal(file_of(f12, twelve + "!"));
  EXPECT_NE(trailing.find("ends at byte 12 of the byte buffer, but the buffer after the header has 13"),
            std::string::npos)
      << trailing;
  EXPECT_NE(trailing.find("MetadataIncompleteBuffer"), std::string::npos);
  EXPECT_NE(refusal(file_of(f12, twelve.substr(1))).find("MetadataIncompleteBuffer"), std::string::npos);
}

TEST(Safetensors, RefusesWhatTheReferenceLeavesToSerde) {
  const std::string dup = refusal(file_of(
      R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}})",
      "ab"));
  EXPECT_NE(dup.find("the key 'w' appears twice"), std::string::npos) << dup;
  const std::string inner = refusal(file_of(R"({"w":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}})", "a"));
  EXPECT_NE(inner.find("the key 'dtype' appears twice"), std::string::npos) << inner;
  const std::string meta = refusal(file_of(R"({"__metadata__":{"epoch":3}})"));
  EXPECT_NE(meta.find("__metadata__ 'epoch': expected a string value"), std::string::npos) << meta;
  EXPECT_NE(refusal(file_of(R"({"__metadata__":[1]})")).find("__metadata__: expected an object"), std::string::npos);
  EXPECT_EQ(refusal(file_of(R"({"__metadata__":null})")), "(no error)");
  const std::string deep = refusal(file_of(R"({"w":{"x":)" + std::string(200, '[') + std::string(200, ']') + "}}"));
  EXPECT_NE(deep.find("nested deeper than"), std::string::npos) << deep;
  const std::string f8 = refusal(file_of(R"({"f":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", "ab"));
  EXPECT_NE(f8.find("tensor 'f': dtype F8_E4M3 is valid safetensors but initlab holds only"), std::string::npos) << f8;
  const std::string rank = refusal(file_of(R"({"r":{"dtype":"U8","shape":[1,1,1,1,1,1,1],"data_offsets":[0,1]}})", "a"));
  EXPECT_NE(rank.find("tensor 'r': shape [1, 1, 1, 1, 1, 1, 1] has 7 dimensions"), std::string::npos) << rank;
}

TEST(Safetensors, RefusesEveryTruncationOfAFile) {
  const std::string whole = container_fixture("worked_example.safetensors");
  ASSERT_EQ(whole.size(), 204u);
  for (size_t n = 0; n < whole.size(); ++n) {
    const std::string e = refusal(whole.substr(0, n));
    EXPECT_NE(e.find("t.safetensors: "), std::string::npos) << n << ": " << e;
  }
}

TEST(Safetensors, WriterRefusesATensorWhoseBytesDoNotMatchItsShape) {
  TensorSet set;
  set.add(stored("dense/kernel", DType::kF32, Shape{2, 2}, le_bytes<float>({1.0f})));
  const std::string e = error_of([&] { (void)encode_safetensors(set); });
  EXPECT_NE(e.find("tensor 'dense/kernel': 4 bytes of data for float32 (2, 2), which needs 16"), std::string::npos) << e;
  TensorSet bad_name;
  bad_name.add(stored("a\xff", DType::kU8, Shape{}, "x"));
  EXPECT_NE(error_of([&] { (void)encode_safetensors(bad_name); }).find("not UTF-8"), std::string::npos);
}

}  // namespace
}  // namespace initlab
