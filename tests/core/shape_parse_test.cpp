// Shape::parse: shapes as people write them; everything else refused with the
// text (excerpted) and the character where it went wrong.
#include <gtest/gtest.h>

#include <string>

#include "initlab/core/error.hpp"
#include "initlab/core/shape.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using initlab::testing::error_of;

TEST(ShapeParse, AcceptsPythonAndKerasNotations) {
  EXPECT_EQ(Shape::parse("784,64"), (Shape{784, 64}));
  EXPECT_EQ(Shape::parse(" 784 , 64 "), (Shape{784, 64}));
  EXPECT_EQ(Shape::parse("(784, 64)"), (Shape{784, 64}));
  EXPECT_EQ(Shape::parse("[3, 3, 16, 32]"), (Shape{3, 3, 16, 32}));
  EXPECT_EQ(Shape::parse("3x3X1x8"), (Shape{3, 3, 1, 8}));
  EXPECT_EQ(Shape::parse("(7,)"), (Shape{7}));
  EXPECT_EQ(Shape::parse("784,64,"), (Shape{784, 64}));
  EXPECT_EQ(Shape::parse("0010"), (Shape{10}));  // decimal, never octal
  EXPECT_EQ(Shape::parse("").rank(), 0);
  EXPECT_EQ(Shape::parse("()").rank(), 0);
  EXPECT_EQ(Shape::parse("1,2,3,4,5,6").rank(), 6);
  EXPECT_EQ(Shape::parse("9223372036854775807"), (Shape{INT64_MAX}));
}

TEST(ShapeParse, NeverMergesDigitsAcrossSpaces) {
  EXPECT_EQ(error_of([] { Shape::parse("784 64"); }),
            "shape '784 64': a space between two sizes at character 4; write sizes separated by commas, e.g. "
            "784,64 or (3, 3, 16, 32)");
  EXPECT_THROW(Shape::parse("(784 64)"), ValueError);
  EXPECT_THROW(Shape::parse("784\t64"), ValueError);
}

TEST(ShapeParse, RefusesEmptySignedZeroAndHugeSizes) {
  EXPECT_EQ(error_of([] { Shape::parse("784,,64"); }),
            "shape '784,,64': an empty size (two separators in a row) at character 5");
  EXPECT_EQ(error_of([] { Shape::parse(",784"); }), "shape ',784': ',' comes before any size at character 1");
  EXPECT_EQ(error_of([] { Shape::parse(","); }), "shape ',': ',' comes before any size at character 1");
  EXPECT_EQ(error_of([] { Shape::parse("3x"); }), "shape '3x': a size is missing after 'x' at character 2");
  EXPECT_EQ(error_of([] { Shape::parse("-"); }), "shape '-': a lone '-' where a size was expected at character 1");
  EXPECT_EQ(error_of([] { Shape::parse("3,-4"); }), "shape '3,-4': a negative size (-4) at character 3");
  EXPECT_THROW(Shape::parse("+4"), ValueError);
  EXPECT_EQ(error_of([] { Shape::parse("784,0"); }),
            "shape '784,0': a size of 0 (every size must be >= 1) at character 5");
  EXPECT_EQ(Shape::parse("784,0", /*allow_zero=*/true), (Shape{784, 0}));
  EXPECT_EQ(error_of([] { Shape::parse("9223372036854775808"); }),
            "shape '9223372036854775808': a size beyond 2^63-1 at character 1");
  EXPECT_EQ(error_of([] { Shape::parse("100000000000,100000000000"); }),
            "shape '100000000000,100000000000': more elements than a 64-bit count holds");
  EXPECT_EQ(error_of([] { Shape::parse("1,1,1,1,1,1,1"); }),
            "shape '1,1,1,1,1,1,1': more than 6 sizes (initlab's tensors have rank 0 to 6) at character 13");
}

TEST(ShapeParse, RefusesUnbalancedBracketsAndStrayCharacters) {
  EXPECT_EQ(error_of([] { Shape::parse("(784, 64"); }), "shape '(784, 64': '(' is not closed at character 8");
  EXPECT_EQ(error_of([] { Shape::parse("784)"); }), "shape '784)': ')' closes no bracket at character 4");
  EXPECT_EQ(error_of([] { Shape::parse("(784]"); }), "shape '(784]': ']' does not close '(' at character 5");
  EXPECT_THROW(Shape::parse("((784))"), ValueError);
  EXPECT_THROW(Shape::parse("(784),"), ValueError);
  EXPECT_THROW(Shape::parse("3,a"), ValueError);
  EXPECT_THROW(Shape::parse("1e3"), ValueError);
  EXPECT_THROW(Shape::parse("0x10"), ValueError);  // 0, then "x10": a size of 0
  EXPECT_EQ(error_of([] { Shape::parse("3\n4"); }),
            "shape '3\\x0a4': unexpected '\\x0a' after a size at character 2; write sizes separated by commas, e.g. "
            "784,64 or (3, 3, 16, 32)");
}

TEST(ShapeParse, QuotesOnlyAnExcerptOfALongText) {
  const std::string text = "7," + std::string(200000, '[');
  const std::string message = error_of([&] { Shape::parse(text); });
  EXPECT_LT(message.size(), 250u) << message;
  EXPECT_NE(message.find("(200002 bytes)"), std::string::npos) << message;
  EXPECT_NE(message.find("at character 3"), std::string::npos) << message;
}

}  // namespace
}  // namespace initlab
