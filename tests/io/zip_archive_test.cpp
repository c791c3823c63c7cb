// ZIP archives: the writer's bytes checked field by field against the ZIP
// layout (APPNOTE 4.3.7), the reader on archives Python's zipfile wrote
// (stored, deflated, ZIP64), and damaged archives patched byte by byte.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "initlab/core/error.hpp"
#include "initlab/core/memory_budget.hpp"
#include "initlab/io/zip_archive.hpp"
#include "io/container_fixtures.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using testing::container_fixture;
using testing::error_of;
using testing::le_bytes;

uint32_t u32_at(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(b[at + static_cast<size_t>(i)]);
  return v;
}
uint16_t u16_at(const std::string& b, size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(b[at]) | static_cast<unsigned char>(b[at + 1]) << 8);
}

// Every occurrence of `from` replaced by `to` (same length).
std::string patched(std::string bytes, const std::string& from, const std::string& to) {
  EXPECT_EQ(from.size(), to.size());
  size_t n = 0;
  for (size_t p = bytes.find(from); p != std::string::npos; p = bytes.find(from, p + 1)) {
    bytes.replace(p, from.size(), to);
    ++n;
  }
  EXPECT_GT(n, 0u) << "nothing to patch";
  return bytes;
}

std::string refusal(const std::string& bytes, const std::string& member = "") {
  return error_of([&] {
    ZipReader z(bytes, "t.zip");
    if (!member.empty()) (void)z.read(member);
  });
}

std::string two_members() {
  ZipWriter w;
  w.add("hello.txt", "hello");
  w.add("b/data.bin", std::string(1000, 'x'));
  return w.finish();
}

TEST(ZipArchive, WritesStoredMembersAsTheLayoutSays) {
  const std::string z = two_members();
  // Local file header 1 (APPNOTE 4.3.7).
  EXPECT_EQ(u32_at(z, 0), 0x04034b50u);
  EXPECT_EQ(u16_at(z, 8), 0);              // method: stored
  EXPECT_EQ(u16_at(z, 10), 0);             // time 00:00
  EXPECT_EQ(u16_at(z, 12), (1 << 5) | 1);  // date 1980-01-01
  EXPECT_EQ(u32_at(z, 14), 0x3610a686u);   // CRC-32 of "hello" (IEEE, reflected 0xEDB88320)
  EXPECT_EQ(u32_at(z, 18), 5u);            // stored size
  EXPECT_EQ(u32_at(z, 22), 5u);            // size
  ASSERT_EQ(u16_at(z, 26), 9);             // name length
  EXPECT_EQ(z.substr(30, 9), "hello.txt");
  EXPECT_EQ(z.substr(30 + 9 + u16_at(z, 28), 5), "hello");
  // The archive ends with the end-of-central-directory record listing 2 entries.
  const size_t eocd = z.size() - 22;
  EXPECT_EQ(u32_at(z, eocd), 0x06054b50u);
  EXPECT_EQ(u16_at(z, eocd + 10), 2);
  EXPECT_EQ(two_members(), z) << "the same members give the same bytes";

  const ZipReader r(z, "t.zip");
  EXPECT_EQ(r.names(), (std::vector<std::string>{"hello.txt", "b/data.bin"}));
  EXPECT_TRUE(r.contains("b/data.bin"));
  EXPECT_FALSE(r.contains("data.bin"));
  EXPECT_EQ(r.read("hello.txt"), "hello");
  EXPECT_EQ(r.read("b/data.bin"), std::string(1000, 'x'));
  EXPECT_EQ(r.size_of("b/data.bin"), 1000u);
}

TEST(ZipArchive, DeflatesOnRequest) {
  ZipWriter w;
  std::string text;
  for (int i = 0; i < 500; ++i) text += "initlab ";
  w.add("t.txt", text, /*deflate=*/true);
  const std::string z = w.finish();
  EXPECT_EQ(u16_at(z, 8), 8);  // method: deflated
  EXPECT_LT(u32_at(z, 18), 100u);
  EXPECT_EQ(u32_at(z, 22), text.size());
  EXPECT_EQ(ZipReader(z, "t.zip").read("t.txt"), text);
}

TEST(ZipArchive, AnEmptyArchiveIsTheEndRecordAlone) {
  const std::string z = ZipWriter().finish();
  EXPECT_EQ(z, std::string("PK\x05\x06", 4) + std::string(18, '\0'));
  EXPECT_TRUE(ZipReader(z, "e.zip").names().empty());
  EXPECT_NE(refusal(z, "x").find("member 'x': not in the archive, which is empty"), std::string::npos);
}

TEST(ZipArchive, ReadsWhatPythonWroteStoredDeflatedAndZip64) {
  const ZipReader stored(container_fixture("savez.npz"), "savez.npz");
  const ZipReader deflated(container_fixture("savez_compressed.npz"), "savez_compressed.npz");
  const std::vector<std::string> names = {"f32.npy", "f64.npy", "i64.npy", "b1.npy", "u8.npy", "i8.npy",
                                          "i16.npy", "u16.npy", "i32.npy", "u32.npy", "u64.npy", "f16.npy",
                                          "empty.npy", "fortran.npy", "big_f4.npy", "big_i8.npy", "big_u2.npy"};
  EXPECT_EQ(stored.names(), names);
  EXPECT_EQ(deflated.names(), names);
  for (const std::string& n : names) EXPECT_EQ(stored.read(n), deflated.read(n)) << n;
  // f32.npy: the 128-byte header NumPy 1.24 writes for (3, 2), then the values.
  const std::string f32 = stored.read("f32.npy");
  ASSERT_EQ(f32.size(), 152u);
  EXPECT_EQ(f32.substr(0, 10), std::string("\x93NUMPY\x01\x00\x76\x00", 10));
  EXPECT_EQ(f32.substr(128), le_bytes<float>({0.5f, -1.0f, 2.0f, 3.25f, -0.125f, 7.0f}));

  const std::string z64 = container_fixture("zip64.npz");
  ASSERT_NE(z64.find(std::string("PK\x06\x06", 4)), std::string::npos) << "the fixture has a ZIP64 end record";
  const ZipReader r64(z64, "zip64.npz");
  EXPECT_EQ(r64.names(), (std::vector<std::string>{"f32.npy", "i64.npy"}));
  EXPECT_EQ(r64.read("f32.npy"), f32);
}

TEST(ZipArchive, RefusesADamagedMemberByItsCrc) {
  // The member's bytes only: "hello" is also the start of its name, twice.
  std::string z = two_members();
  const size_t content = z.find("hello", z.find("hello.txt") + 9);
  ASSERT_NE(content, std::string::npos);
  z[content] = 'j';
  const std::string e = refusal(z, "hello.txt");
  EXPECT_NE(e.find("t.zip: member 'hello.txt': CRC-32 mismatch"), std::string::npos) << e;
  EXPECT_EQ(ZipReader(z, "t.zip").read("b/data.bin"), std::string(1000, 'x')) << "the other member is intact";
}

TEST(ZipArchive, RefusesEveryTruncation) {
  const std::string z = two_members();
  for (size_t n = 0; n < z.size(); ++n) {
    const std::string e = error_of([&] {
      ZipReader r(z.substr(0, n), "t.zip");
      for (const std::string& m : r.names()) (void)r.read(m);
    });
    EXPECT_EQ(e.rfind("t.zip: ", 0), 0u) << n << ": " << e;
  }
}

TEST(ZipArchive, RefusesAZipBombBeforeInflating) {
  // The ZIP64 fixture's f32.npy records its sizes (152, 152) in ZIP64 extra
  // fields; claim 5 GiB inflated instead.
  const std::string sizes = le_bytes<uint64_t>({152, 152});
  const std::string bomb =
      patched(container_fixture("zip64.npz"), sizes, le_bytes<uint64_t>({uint64_t{5} << 30, 152}));
  const std::string e = refusal(bomb, "f32.npy");
  EXPECT_NE(e.find("member 'f32.npy': claims 5368709120 bytes inflated from 152 stored"), std::string::npos) << e;
  EXPECT_NE(e.find("zip bomb"), std::string::npos);
}

TEST(ZipArchive, ChecksTheDeclaredSizeAgainstTheMemoryBudget) {
  const std::string sizes = le_bytes<uint64_t>({152, 152});
  const std::string big = patched(container_fixture("zip64.npz"), sizes, le_bytes<uint64_t>({200'000'000, 152}));
  set_memory_budget(100'000'000);
  std::string e;
  try {
    ZipReader(big, "big.npz").read("f32.npy");
  } catch (const ResourceError& err) {
    e = err.what();
  } catch (const Error& err) {
    e = std::string("wrong error: ") + err.what();
  }
  set_memory_budget(std::nullopt);
  EXPECT_NE(e.find("big.npz: member 'f32.npy' needs"), std::string::npos) << e;
  // Within the budget, a stored member whose two sizes differ is refused too.
  const std::string odd = refusal(big, "f32.npy");
  EXPECT_NE(odd.find("member 'f32.npy': is stored (not compressed) but its sizes differ"), std::string::npos) << odd;
}

TEST(ZipArchive, RefusesUnsafeAndRepeatedNames) {
  ZipWriter w;
  w.add("aa/x.npy", "1");
  w.add("b.npy", "2");
  w.add("cc.npy", "3");
  const std::string z = w.finish();
  EXPECT_NE(refusal(patched(z, "aa/x.npy", "../x.npy")).find("member '../x.npy': refused as a member name: it has a '..' component"),
            std::string::npos);
  EXPECT_NE(refusal(patched(z, "aa/x.npy", "/a/x.npy")).find("it is an absolute path"), std::string::npos);
  EXPECT_NE(refusal(patched(z, "aa/x.npy", "C:/x.npy")).find("drive letter"), std::string::npos);
  const std::string nul = refusal(patched(z, "cc.npy", std::string("c\0.npy", 6)));
  EXPECT_NE(nul.find("it contains a NUL byte"), std::string::npos) << nul;
  ZipWriter d;
  d.add("a.npy", "1");
  d.add("b.npy", "2");
  const std::string dup = refusal(patched(d.finish(), "b.npy", "a.npy"));
  EXPECT_NE(dup.find("t.zip: not a valid ZIP archive: a member name appears twice"), std::string::npos) << dup;
  EXPECT_EQ(refusal(patched(z, "aa/x.npy", "a..x.npy")), "(no error)") << "'..' inside a name is fine";

  ZipWriter bad;
  EXPECT_NE(error_of([&] { bad.add("../up", "x"); }).find("'../up' is refused: it has a '..' component"),
            std::string::npos);
  bad.add("ok", "x");
  EXPECT_NE(error_of([&] { bad.add("ok", "y"); }).find("'ok' is added twice"), std::string::npos);
}

TEST(ZipArchive, RefusesWhatIsNotAnArchive) {
  EXPECT_NE(refusal("PK").find("t.zip: not a ZIP archive: 2 bytes"), std::string::npos);
  EXPECT_NE(refusal(std::string(100, 'z')).find("t.zip: not a valid ZIP archive"), std::string::npos);
  EXPECT_NE(refusal(two_members(), "nope").find("member 'nope': not in the archive (it holds 'hello.txt', 'b/data.bin')"),
            std::string::npos);
  EXPECT_NE(error_of([] { (void)ZipReader::open("/nonexistent/x.zip"); }).find("/nonexistent/x.zip"),
            std::string::npos);
}

}  // namespace
}  // namespace initlab
