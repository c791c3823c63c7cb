// Finite-difference checks of every activation, layer and loss, and of a whole model.
#include <gtest/gtest.h>

#include <cmath>

#include "initlab/initlab.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using initlab::testing::dot;

// This suite's draws: U[−2, 2) from stream 1 unless stated.
Tensor random_tensor(const Shape& s, uint64_t seed, float lo = -2.0f, float hi = 2.0f) {
  return initlab::testing::random_tensor(s, seed, lo, hi, 1);
}

TEST(GradientCheck, EveryActivation) {
  for (const auto& name : Activation::names()) {
    const Activation act(name);
    Tensor z = random_tensor(Shape{4, 5}, 1);
    // Keep ReLU-like kinks away from the finite-difference step.
    for (auto& v : z.values()) if (std::fabs(v) < 0.05f) v = 0.3f;
    const Tensor c = random_tensor(Shape{4, 5}, 2);  // f = Σ c ⊙ act(z)
    Tensor a(z.shape()), dz(z.shape());
    act.forward(z, a);
    act.backward(z, a, c, dz);
    auto f = [&] {
      Tensor out(z.shape());
      act.forward(z, out);
      return dot(c, out);
    };
    const auto r = check_gradient(f, z, dz);
    EXPECT_TRUE(r.ok) << name << ": " << r.message;
  }
}

TEST(GradientCheck, DenseWithEachActivationKernelBiasAndInput) {
  set_seed(3);
  for (const char* act : {"linear", "sigmoid", "tanh", "relu", "softmax", "gelu", "elu"}) {
    Dense d(4, {.activation = act, .name = "d"});
    d.build(Shape{3});
    Tensor x = random_tensor(Shape{5, 3}, 4);
    const Tensor c = random_tensor(Shape{5, 4}, 5);
    d.forward(x, true);
    const Tensor dx = d.backward(c);
    auto f = [&] { return dot(c, d.forward(x, true)); };
    const Tensor dw = d.gradient(0).clone(), db = d.gradient(1).clone();
    auto r = check_gradient(f, d.kernel().mutable_value(), dw);
    EXPECT_TRUE(r.ok) << act << " kernel: " << r.message;
    r = check_gradient(f, d.bias()->mutable_value(), db);
    EXPECT_TRUE(r.ok) << act << " bias: " << r.message;
    r = check_gradient(f, x, dx);
    EXPECT_TRUE(r.ok) << act << " input: " << r.message;
  }
}

TEST(GradientCheck, EveryLossWithAndWithoutLogits) {
  const Shape s{6, 4};
  Tensor onehot(s), binary(s), sparse(Shape{6}), real = random_tensor(s, 7);
  for (int64_t r = 0; r < 6; ++r) {
    onehot.at({r, r % 4}) = 1;
    sparse[r] = static_cast<float>((r * 3) % 4);
    for (int64_t j = 0; j < 4; ++j) binary.at({r, j}) = static_cast<float>((r + j) % 2);
  }
  Tensor probs = random_tensor(s, 8, 0.05f, 0.95f);
  Tensor logits = random_tensor(s, 9, -3.0f, 3.0f);
  struct Case {
    Loss loss;
    Tensor* pred;
    const Tensor* target;
  };
  std::vector<Case> cases = {{Loss("mse"), &logits, &real},
                             {Loss("binary_crossentropy"), &probs, &binary},
                             {Loss("binary_crossentropy", true), &logits, &binary},
                             {Loss("categorical_crossentropy"), &probs, &onehot},
                             {Loss("categorical_crossentropy", true), &logits, &onehot},
                             {Loss("sparse_categorical_crossentropy"), &probs, &sparse},
                             {Loss("sparse_categorical_crossentropy", true), &logits, &sparse}};
  for (auto& c : cases) {
    Tensor grad(c.pred->shape());
    c.loss.compute(*c.pred, *c.target, &grad);
    auto f = [&] { return c.loss.compute(*c.pred, *c.target, nullptr); };
    const auto r = check_gradient(f, *c.pred, grad);
    EXPECT_TRUE(r.ok) << c.loss.name() << (c.loss.from_logits() ? " (logits)" : "") << ": " << r.message;
  }
}

TEST(GradientCheck, FusedSoftmaxCrossEntropyEqualsTheComposition) {
  // Loss through softmax probabilities and through logits agree in value and gradient.
  const Tensor z = random_tensor(Shape{5, 3}, 11);
  Tensor y(Shape{5, 3});
  for (int64_t r = 0; r < 5; ++r) y.at({r, r % 3}) = 1;
  Tensor p(z.shape());
  Activation("softmax").forward(z, p);
  Tensor gp(z.shape()), gz_chain(z.shape()), gz(z.shape());
  const double via_probs = Loss("categorical_crossentropy").compute(p, y, &gp);
  Activation("softmax").backward(z, p, gp, gz_chain);
  const double via_logits = Loss("categorical_crossentropy").compute_from_logits(z, y, &gz);
  EXPECT_NEAR(via_probs, via_logits, 1e-6);
  for (int64_t i = 0; i < z.size(); ++i) EXPECT_NEAR(gz_chain[i], gz[i], 1e-6);
}

TEST(GradientCheck, NormalizationAndWholeModel) {
  set_seed(21);
  Sequential model;
  model.add(Input(Shape{3}));
  auto norm = std::make_shared<Normalization>();
  norm->adapt(random_tensor(Shape{50, 3}, 12, -5.0f, 9.0f));
  model.add(norm);
  model.add(Dense(5, {.activation = "tanh"}));
  model.add(ActivationLayer("swish"));
  model.add(Dense(2, {.activation = "softmax"}));
  model.compile(SGD(), "categorical_crossentropy");
  const Tensor x = random_tensor(Shape{7, 3}, 13, -5.0f, 9.0f);
  Tensor y(Shape{7, 2});
  for (int64_t r = 0; r < 7; ++r) y.at({r, r % 2}) = 1;
  const Gradients g = model.gradients(x, y);
  for (Variable* v : model.trainable_variables()) {
    auto f = [&] { return model.loss_value(x, y); };
    const auto r = check_gradient(f, v->mutable_value(), g.at(v->name()));
    EXPECT_TRUE(r.ok) << v->name() << ": " << r.message;
  }
  EXPECT_EQ(g.size(), 4u);  // two kernels, two biases; the normalization is not trainable
}

TEST(GradientCheck, CatchesAWrongSign) {
  Tensor x(Shape{3}, {0.5f, -1.0f, 2.0f});
  Tensor wrong(Shape{3}, {-1.0f, 2.0f, -4.0f});  // d/dx Σx² is 2x; this is −2x
  const auto r = check_gradient([&] { return dot(x, x); }, x, wrong);
  EXPECT_FALSE(r.ok);
  Tensor half(Shape{3}, {0.5f, -1.0f, 2.0f});  // a missing factor 2
  EXPECT_FALSE(check_gradient([&] { return dot(x, x); }, x, half).ok);
}

}  // namespace
}  // namespace initlab
