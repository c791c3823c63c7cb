#include "initlab/core/safe_path.hpp"

#include <gtest/gtest.h>

#include "initlab/core/error.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using initlab::testing::error_of;

TEST(SafePath, KeepsOrdinaryNames) {
  EXPECT_EQ(file_name_from("fashion_mlp"), "fashion_mlp");
  EXPECT_EQ(file_name_from("my model v2.1"), "my model v2.1");
  EXPECT_EQ(file_name_from("réseau-Ω"), "réseau-Ω");
}

TEST(SafePath, NamesCannotLeaveTheFolder) {
  for (const std::string name : {"../../x", "..", ".", "/etc/passwd", "a/../../b", "..\\..\\x", "./.hidden"}) {
    const std::string f = file_name_from(name);
    EXPECT_EQ(f.find('/'), std::string::npos) << name;
    EXPECT_EQ(f.find('\\'), std::string::npos) << name;
    EXPECT_NE(f.front(), '.') << name;
    EXPECT_NE(f, "..");
  }
  EXPECT_EQ(file_name_from("../../x"), "___.._x");
  EXPECT_EQ(file_name_from(".."), "__");
  EXPECT_EQ(file_name_from(std::string("a\0b\n\x7f", 5)), "a_b__");
  EXPECT_EQ(file_name_from("a:b*c?d\"e<f>g|h"), "a_b_c_d_e_f_g_h");
  EXPECT_EQ(file_name_from("bad\xff\xfeutf8"), "bad__utf8");
}

TEST(SafePath, LongNamesAreCutAtACharacterBoundary) {
  const std::string f = file_name_from(std::string(300, 'a'));
  EXPECT_EQ(f.size(), kMaxFileNameBytes);
  std::string greek;
  for (int i = 0; i < 100; ++i) greek += "Ω";  // two bytes each
  const std::string g = file_name_from("x" + greek);
  EXPECT_LE(g.size(), kMaxFileNameBytes);
  EXPECT_EQ(g.size() % 2, 1u);  // 'x' and whole Ω's only
  EXPECT_EQ(file_name_from(std::string(300, '\xff')).size(), kMaxFileNameBytes);  // stray bytes count too
}

TEST(SafePath, AnEmptyNameIsRefused) {
  EXPECT_EQ(error_of([] { file_name_from("", "model name"); }), "model name '' cannot name a file: it is empty");
  EXPECT_THROW(file_name_from("   "), ValueError);
  EXPECT_EQ(file_name_from("  spaced  "), "spaced");
}

}  // namespace
}  // namespace initlab
