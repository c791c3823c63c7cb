// Tensors printed as NumPy prints them: aligned columns, nested brackets,
// blank lines between blocks of rank 3, and large tensors summarised.
#include "initlab/core/tensor_format.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "initlab/nn/dense.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {
namespace {

Tensor iota(const Shape& s) {
  Tensor t(s);
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = static_cast<float>(i);
  return t;
}

TEST(TensorFormat, SmallTensorsInFull) {
  EXPECT_EQ(format_tensor(Tensor(Shape{2, 2}, {0.1234f, -2.5f, 1.0f, 0.0f})), "[[ 0.1234 -2.5000]\n [ 1.0000  0.0000]]");
  EXPECT_EQ(format_tensor(iota(Shape{2, 1, 2}), 0), "[[[0 1]]\n\n [[2 3]]]");
  EXPECT_EQ(format_tensor(Tensor(Shape{0})), "[]");
  std::ostringstream out;
  out << Tensor(Shape{3}, {1, 2, 3});
  EXPECT_EQ(out.str(), "[1.0000 2.0000 3.0000]");
}

// NumPy: np.arange(2000.).reshape(2, 1000) prints its rows as [0 1 2 ... 997 998 999].
TEST(TensorFormat, LargeTensorsAreSummarisedAsNumPyDoes) {
  EXPECT_EQ(format_tensor(iota(Shape{2, 1000}), 0),
            "[[   0    1    2 ...  997  998  999]\n [1000 1001 1002 ... 1997 1998 1999]]");
  EXPECT_EQ(format_tensor(iota(Shape{1001}), 0), "[   0    1    2 ...  998  999 1000]");
  const std::string big = format_tensor(iota(Shape{100, 100}), 0);
  EXPECT_NE(big.find("\n ...\n"), std::string::npos) << big;
  EXPECT_LT(big.size(), 400u);
}

TEST(KerasHabits, DenseTakesItsActivationSecondAndLayersAreFoundByName) {
  Sequential m("m");
  m.add(Input(Shape{3}));
  m.add(Dense(4, "relu", {.name = "hidden"}));
  m.add(Dense(2, "softmax"));
  EXPECT_EQ(m.get_layer("hidden").name(), "hidden");
  EXPECT_EQ(dynamic_cast<Dense&>(m.get_layer("hidden")).activation().name(), "relu");
  EXPECT_EQ(m.layer<Dense>("dense").activation().name(), "softmax");
}

}  // namespace
}  // namespace initlab
