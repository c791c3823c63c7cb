// Optimizer updates and losses against values derived by hand, two steps each.
#include <gtest/gtest.h>

#include <cmath>

#include "initlab/initlab.hpp"

namespace initlab {
namespace {

struct TwoSteps {
  float w1[2], w2[2];
};

TwoSteps run(const Optimizer& opt) {
  Variable v("w", Tensor(Shape{2}, {1.0f, -2.0f}));
  std::vector<Variable*> vars{&v};
  TwoSteps out{};
  opt->apply_gradients({{"w", Tensor(Shape{2}, {0.5f, -1.0f})}}, vars);
  out.w1[0] = v.value()[0], out.w1[1] = v.value()[1];
  opt->apply_gradients({{"w", Tensor(Shape{2}, {0.1f, 0.2f})}}, vars);
  out.w2[0] = v.value()[0], out.w2[1] = v.value()[1];
  return out;
}

const double g1[2] = {0.5, -1.0}, g2[2] = {0.1, 0.2}, w0[2] = {1.0, -2.0};

TEST(Optimizers, SGDPlainMomentumAndNesterov) {
  auto plain = run(SGD({.learning_rate = 0.1}));
  EXPECT_NEAR(plain.w2[0], 1.0 - 0.05 - 0.01, 1e-6);
  EXPECT_NEAR(plain.w2[1], -2.0 + 0.1 - 0.02, 1e-6);
  // m1 = −0.1 g1; w1 = w0 + m1; m2 = 0.9 m1 − 0.1 g2; w2 = w1 + m2
  auto mom = run(SGD({.learning_rate = 0.1, .momentum = 0.9}));
  EXPECT_NEAR(mom.w1[0], 0.95, 1e-6);
  EXPECT_NEAR(mom.w2[0], 0.95 - 0.055, 1e-6);
  EXPECT_NEAR(mom.w2[1], -1.9 + 0.07, 1e-6);
  // Nesterov: w += 0.9 m − 0.1 g
  auto nes = run(SGD({.learning_rate = 0.1, .momentum = 0.9, .nesterov = true}));
  EXPECT_NEAR(nes.w1[0], 1.0 - 0.045 - 0.05, 1e-6);
  EXPECT_NEAR(nes.w2[0], 0.905 - 0.0495 - 0.01, 1e-6);
  EXPECT_NEAR(nes.w2[1], -1.81 + 0.063 - 0.02, 1e-6);
}

TEST(Optimizers, AdamBiasCorrectionAdvancesOncePerStep) {
  auto got = run(Adam({.learning_rate = 0.1}));
  for (int i = 0; i < 2; ++i) {
    double m = 0, v = 0, w = w0[i];
    for (int t = 1; t <= 2; ++t) {
      const double g = t == 1 ? g1[i] : g2[i];
      m = 0.9 * m + 0.1 * g;
      v = 0.999 * v + 0.001 * g * g;
      const double lr_t = 0.1 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t));
      w -= lr_t * m / (std::sqrt(v) + 1e-7);
      EXPECT_NEAR(t == 1 ? got.w1[i] : got.w2[i], w, 2e-6) << "element " << i << " step " << t;
    }
  }
  // First Adam step moves every weight by ~lr against the gradient's sign.
  EXPECT_NEAR(got.w1[0], 0.9, 1e-4);
  EXPECT_NEAR(got.w1[1], -1.9, 1e-4);
}

TEST(Optimizers, AmsgradKeepsTheLargestSecondMoment) {
  auto got = run(Adam({.learning_rate = 0.1, .amsgrad = true}));
  double m = 0, v = 0, vmax = 0, w = w0[1];
  for (int t = 1; t <= 2; ++t) {
    const double g = t == 1 ? g1[1] : g2[1];
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    vmax = std::max(vmax, v);
    w -= 0.1 * std::sqrt(1 - std::pow(0.999, t)) / (1 - std::pow(0.9, t)) * m / (std::sqrt(vmax) + 1e-7);
  }
  EXPECT_NEAR(got.w2[1], w, 2e-6);
}

TEST(Optimizers, RMSpropPlainCenteredMomentum) {
  auto plain = run(RMSprop({.learning_rate = 0.1}));
  auto centered = run(RMSprop({.learning_rate = 0.1, .centered = true}));
  auto mom = run(RMSprop({.learning_rate = 0.1, .momentum = 0.5}));
  for (int i = 0; i < 2; ++i) {
    double v = 0, a = 0, mo = 0, wp = w0[i], wc = w0[i], wm = w0[i];
    for (int t = 1; t <= 2; ++t) {
      const double g = t == 1 ? g1[i] : g2[i];
      v = 0.9 * v + 0.1 * g * g;
      a = 0.9 * a + 0.1 * g;
      wp -= 0.1 * g / std::sqrt(v + 1e-7);
      wc -= 0.1 * g / std::sqrt(v - a * a + 1e-7);
      mo = 0.5 * mo + 0.1 * g / std::sqrt(v + 1e-7);
      wm -= mo;
    }
    EXPECT_NEAR(plain.w2[i], wp, 2e-6);
    EXPECT_NEAR(centered.w2[i], wc, 2e-5);
    EXPECT_NEAR(mom.w2[i], wm, 2e-6);
  }
}

TEST(Optimizers, Adagrad) {
  auto got = run(Adagrad({.learning_rate = 0.1}));
  for (int i = 0; i < 2; ++i) {
    double acc = 0.1, w = w0[i];
    for (int t = 1; t <= 2; ++t) {
      const double g = t == 1 ? g1[i] : g2[i];
      acc += g * g;
      w -= 0.1 * g / std::sqrt(acc + 1e-7);
    }
    EXPECT_NEAR(got.w2[i], w, 2e-6);
  }
}

TEST(Optimizers, StateIsKeyedByNameAndGradientsAreChecked) {
  auto opt = Adam();
  Variable a("a", Tensor(Shape{2}, {1, 1})), b("b", Tensor(Shape{3}));
  std::vector<Variable*> vars{&a, &b};
  EXPECT_THROW(opt->apply_gradients({{"a", Tensor(Shape{3})}}, vars), ShapeError);
  EXPECT_THROW(opt->apply_gradients({{"zzz", Tensor(Shape{2})}}, vars), ValueError);
  EXPECT_EQ(opt->iterations(), 0);
  EXPECT_THROW(SGD({.learning_rate = -1}), ValueError);
}

TEST(Losses, HandComputedValues) {
  EXPECT_NEAR(Loss("mse").compute(Tensor(Shape{1, 2}, {1, 2}), Tensor(Shape{1, 2}, {0, 4}), nullptr), 2.5, 1e-9);
  EXPECT_NEAR(Loss("binary_crossentropy").compute(Tensor(Shape{2, 1}, {0.9f, 0.2f}), Tensor(Shape{2, 1}, {1, 0}), nullptr),
              (-std::log(0.9) - std::log(0.8)) / 2, 1e-6);
  EXPECT_NEAR(Loss("categorical_crossentropy")
                  .compute(Tensor(Shape{1, 3}, {0.7f, 0.2f, 0.1f}), Tensor(Shape{1, 3}, {0, 1, 0}), nullptr),
              -std::log(0.2), 1e-6);
  EXPECT_NEAR(Loss("sparse_categorical_crossentropy")
                  .compute(Tensor(Shape{1, 3}, {0.7f, 0.2f, 0.1f}), Tensor(Shape{1}, {1}), nullptr),
              -std::log(0.2), 1e-6);
  // Logits: BCE of z = 0 is log 2; CE of equal logits over 4 classes is log 4.
  EXPECT_NEAR(Loss("binary_crossentropy", true).compute(Tensor(Shape{1, 1}, {0}), Tensor(Shape{1, 1}, {1}), nullptr),
              std::log(2.0), 1e-9);
  EXPECT_NEAR(Loss("categorical_crossentropy", true)
                  .compute(Tensor(Shape{1, 4}), Tensor(Shape{1, 4}, {0, 0, 1, 0}), nullptr),
              std::log(4.0), 1e-9);
  // Stable for extreme logits: no inf, no NaN.
  const double big = Loss("binary_crossentropy", true).compute(Tensor(Shape{1, 1}, {-200}), Tensor(Shape{1, 1}, {1}), nullptr);
  EXPECT_NEAR(big, 200.0, 1e-6);
  const double ce = Loss("categorical_crossentropy", true)
                        .compute(Tensor(Shape{1, 2}, {1000, -1000}), Tensor(Shape{1, 2}, {0, 1}), nullptr);
  EXPECT_NEAR(ce, 2000.0, 1e-3);
}

TEST(Losses, DenseSGDTwoStepsByHand) {
  // pred = x·W + b with W = [0.5, −0.5]ᵀ, b = 0, x = [1, 2], y = 1; MSE; SGD(0.1).
  Sequential model;
  model.add(Input(Shape{2}));
  model.add(Dense(1, {.kernel_initializer = "zeros", .name = "d"}));
  model.compile(SGD({.learning_rate = 0.1}), "mse");
  model.set_weights({Tensor(Shape{2, 1}, {0.5f, -0.5f}), Tensor(Shape{1}, {0})});
  const Tensor x(Shape{1, 2}, {1, 2}), y(Shape{1, 1}, {1});
  auto h = model.fit(x, y, {.batch_size = 1, .epochs = 2, .verbose = Verbosity::kSilent, .shuffle = false});
  // step 1: pred −0.5, loss 2.25, dpred −3, dW = [−3, −6], db = −3 → W = [0.8, 0.1], b = 0.3
  // step 2: pred 1.3, loss 0.09, dpred 0.6, dW = [0.6, 1.2], db = 0.6 → W = [0.74, −0.02], b = 0.24
  EXPECT_NEAR(h.history["loss"][0], 2.25, 1e-6);
  EXPECT_NEAR(h.history["loss"][1], 0.09, 1e-6);
  const auto w = model.get_weights();
  EXPECT_NEAR(w[0][0], 0.74, 1e-6);
  EXPECT_NEAR(w[0][1], -0.02, 1e-6);
  EXPECT_NEAR(w[1][0], 0.24, 1e-6);
}

}  // namespace
}  // namespace initlab
