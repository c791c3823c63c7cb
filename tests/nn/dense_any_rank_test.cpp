// Dense on inputs of rank > 2 acts on the last axis, as Keras's (formats.md §2.7):
// a (None, 28, 28) input to Dense(100) has a (28, 100) kernel and output (None, 28, 100).
#include <gtest/gtest.h>

#include "initlab/initlab.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using initlab::testing::dot;
using initlab::testing::random_tensor;

TEST(DenseAnyRank, ShapesFollowTheLastAxis) {
  Dense d(100, {.name = "d"});
  EXPECT_EQ(d.output_shape(Shape{28, 28}), Shape({28, 100}));
  const auto specs = d.weight_specs(Shape{28, 28});
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].shape, Shape({28, 100}));
  EXPECT_EQ(specs[1].shape, Shape({100}));
  EXPECT_EQ(d.working_values(Shape{28, 28}), 4 * 28 * 100);
  Sequential m;
  m.add(Input(Shape{28, 28}));
  m.add(Dense(100));
  m.add(Flatten());
  m.add(Dense(10));
  EXPECT_EQ(m.output_shape(), Shape({10}));
  m.build(Shape{28, 28});
  EXPECT_EQ(m.layers()[0]->parameter_count(), 28 * 100 + 100);
}

// Each position of the middle axes is an independent row: y[n, t, :] = x[n, t, :] · W + b, by hand.
TEST(DenseAnyRank, ForwardIsThePerPositionProduct) {
  set_seed(5);
  Dense d(2, {.activation = "tanh", .name = "d"});
  d.build(Shape{3, 4});
  const Tensor x = random_tensor(Shape{2, 3, 4}, 1);
  const Tensor y = d.forward(x, false);
  ASSERT_EQ(y.shape(), Shape({2, 3, 2}));
  const Tensor& w = d.kernel().value();
  const Tensor& b = d.bias()->value();
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t t = 0; t < 3; ++t)
      for (int64_t o = 0; o < 2; ++o) {
        double z = b[o];
        for (int64_t i = 0; i < 4; ++i) z += static_cast<double>(x.at({n, t, i})) * w.at({i, o});
        EXPECT_NEAR(y.at({n, t, o}), std::tanh(z), 1e-6) << n << "," << t << "," << o;
      }
}

TEST(DenseAnyRank, FiniteDifferenceGradientsAtRankThreeAndFour) {
  set_seed(7);
  for (const Shape& in : {Shape{3, 4}, Shape{2, 3, 4}}) {
    Dense d(5, {.activation = "sigmoid", .name = "d"});
    d.build(in);
    std::vector<int64_t> xd{2};
    for (int64_t s : in.dims()) xd.push_back(s);
    Tensor x = random_tensor(Shape(xd), 8, -2, 2);
    std::vector<int64_t> yd = xd;
    yd.back() = 5;
    const Tensor c = random_tensor(Shape(yd), 9, -2, 2);
    d.forward(x, true);
    const Tensor dx = d.backward(c);
    const Tensor dw = d.gradient(0).clone(), db = d.gradient(1).clone();
    auto f = [&] { return dot(c, d.forward(x, true)); };
    auto r = check_gradient(f, d.kernel().mutable_value(), dw);
    EXPECT_TRUE(r.ok) << in.str() << " kernel: " << r.message;
    r = check_gradient(f, d.bias()->mutable_value(), db);
    EXPECT_TRUE(r.ok) << in.str() << " bias: " << r.message;
    r = check_gradient(f, x, dx);
    EXPECT_TRUE(r.ok) << in.str() << " input: " << r.message;
  }
}

// A Sequential trains through a rank-3 Dense (fit's batching keeps the middle axis).
TEST(DenseAnyRank, ModelGradientsMatchFiniteDifferences) {
  set_seed(9);
  Sequential m;
  m.add(Input(Shape{3, 4}));
  m.add(Dense(6, {.activation = "tanh"}));
  m.add(Flatten());
  m.add(Dense(2));
  m.compile(SGD(), "mse");
  const Tensor x = random_tensor(Shape{4, 3, 4}, 10), y = random_tensor(Shape{4, 2}, 11);
  const Gradients g = m.gradients(x, y);
  Variable& k = *m.layers()[0]->variables()[0];
  const auto r = check_gradient([&] { return m.loss_value(x, y); }, k.mutable_value(), g.at(k.name()));
  EXPECT_TRUE(r.ok) << r.message;
}

}  // namespace
}  // namespace initlab
