// The lab's --init items: ids, JSON configs and the id(value) shorthand, with
// the value read exactly.
#include "initlab/lab/init_spec.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "initlab/core/error.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using initlab::testing::error_of;

TEST(InitSpec, ReadsShorthandsIdsAndConfigs) {
  EXPECT_EQ(parse_initializer("random_normal(0.05)").to_config()["config"]["stddev"], 0.05);
  EXPECT_EQ(parse_initializer(" truncated_normal ( 2e-2 ) ").to_config()["config"]["stddev"], 0.02);
  EXPECT_EQ(parse_initializer("RandomNormal(0.5)").to_config()["config"]["stddev"], 0.5);
  EXPECT_EQ(parse_initializer("random_uniform(+0.1)").to_config()["config"]["minval"], -0.1);
  EXPECT_EQ(parse_initializer("orthogonal(2)").to_config()["config"]["gain"], 2.0);
  EXPECT_EQ(parse_initializer("variance_scaling(.5)").to_config()["config"]["scale"], 0.5);
  EXPECT_EQ(parse_initializer("he_normal").to_config()["class_name"], "HeNormal");
  EXPECT_EQ(parse_initializer(R"({"class_name": "Constant", "config": {"value": 0.5}})").to_config()["config"]["value"],
            0.5);
}

TEST(InitSpec, ReadsTheValueExactly) {
  // The old pattern let std::stod read a prefix ("0.05.1" → 0.05) or throw.
  EXPECT_NE(error_of([] { parse_initializer("random_normal(0.05.1)"); })
                .find("expected a number between the parentheses, e.g. random_normal(0.05); found '0.05.1'"),
            std::string::npos);
  for (const char* bad : {"random_normal()", "random_normal(-)", "random_normal(+-1)", "random_normal(abc)",
                          "random_normal(0x10)", "random_normal(1,2)"}) {
    EXPECT_THROW(parse_initializer(bad), ValueError) << bad;
  }
  EXPECT_NE(error_of([] { parse_initializer("random_normal(1e400)"); }).find("finite number within float32's range"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_initializer("constant(1e39)"); }).find("finite number within float32's range"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_initializer("random_normal(inf)"); }).find("finite"), std::string::npos);
  EXPECT_NE(error_of([] { parse_initializer("random_normal(1e-60)"); }).find("too small for float32"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_initializer("he_normal(2)"); }).find("the shorthand id(value) works for"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_initializer("random_normal(0.05"); }).find("expected id(value)"), std::string::npos);
  EXPECT_NE(error_of([] { parse_initializer("rnadom_normal(0.05)"); }).find("random_normal"), std::string::npos);
}

TEST(InitSpec, LongTextsNeitherCrashNorMakeLongMessages) {
  // std::regex recursed once per character and overflowed the stack on such texts.
  const std::string name(200000, 'a');
  const std::string digits(200000, '7');
  for (const std::string& spec : {name + "(1)", "random_normal(" + digits + ")", name}) {
    const std::string message = error_of([&] { parse_initializer(spec); });
    EXPECT_NE(message, "(no error)");
    EXPECT_LT(message.size(), 1200u) << message.substr(0, 300);
  }
}

}  // namespace
}  // namespace initlab
