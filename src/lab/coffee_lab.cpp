#include "initlab/lab/coffee_lab.hpp"

#include <fmt/format.h>

#include <cstring>
#include <ostream>

#include "initlab/core/seed.hpp"
#include "initlab/core/tensor_format.hpp"
#include "initlab/data/coffee.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/normalization.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {
namespace {

// Prints one line per epoch with values only (no timing), so runs compare equal.
class EpochPrinter : public Callback {
 public:
  EpochPrinter(std::ostream& out, int epochs) : out_(out), epochs_(epochs) {}
  bool on_epoch_end(Sequential&, int epoch, const Logs& logs) override {
    out_ << fmt::format("  epoch {:>2}/{}  loss {:.4f}\n", epoch + 1, epochs_, logs.at("loss")) << std::flush;
    return false;
  }

 private:
  std::ostream& out_;
  int epochs_;
};

Sequential coffee_model(const std::string& kernel_init, const std::string& bias_init) {
  Sequential model("coffee");
  model.add(Input(Shape{2}));
  model.add(Dense(3, {.activation = "sigmoid", .kernel_initializer = kernel_init, .bias_initializer = bias_init,
                      .name = "layer1"}));
  model.add(Dense(1, {.activation = "sigmoid", .kernel_initializer = kernel_init, .bias_initializer = bias_init,
                      .name = "layer2"}));
  return model;
}

Tensor tile_rows(const Tensor& t, int64_t times) {
  const int64_t n = t.dim(0), row = t.size() / n;
  Tensor out(Shape{n * times, row});
  for (int64_t k = 0; k < times; ++k) std::memcpy(out.data() + k * n * row, t.data(), sizeof(float) * n * row);
  return out;
}

void print_weights(std::ostream& out, Sequential& model) {
  for (const char* name : {"layer1", "layer2"}) {
    auto& d = model.layer<Dense>(name);
    const std::string k = std::string(name) == "layer1" ? "W1" : "W2";
    const std::string b = std::string(name) == "layer1" ? "b1" : "b2";
    out << fmt::format("{} {} =\n{}\n", k, d.kernel().shape().str(), format_tensor(d.kernel().value(), 4));
    out << fmt::format("{} {} = {}\n", b, d.bias()->shape().str(), format_tensor(d.bias()->value(), 4));
  }
}

double accuracy(Sequential& model, const Tensor& x, const Tensor& y) {
  const Tensor p = model.predict(x);
  int64_t right = 0;
  for (int64_t i = 0; i < p.size(); ++i) right += (p[i] >= 0.5f) == (y[i] >= 0.5f);
  return static_cast<double>(right) / static_cast<double>(p.size());
}

bool all_equal_bits(const float* a, int64_t n, int64_t stride) {
  for (int64_t i = 1; i < n; ++i) {
    if (std::memcmp(a, a + i * stride, sizeof(float)) != 0) return false;
  }
  return true;
}

}  // namespace

CoffeeLabResult run_coffee_lab(std::ostream& out, const CoffeeLabOptions& o) {
  const CoffeeData data = coffee_roasts();
  int64_t good = 0;
  for (float v : data.y.values()) good += v > 0.5f;
  out << fmt::format("Coffee roasting: {} roasts (temperature 150–285 °C, duration 11.5–15.5 min), {} good.\n",
                     data.x.dim(0), good);
  Normalization norm("normalization");
  norm.adapt(data.x);
  norm.build(Shape{2});
  const Tensor xn = norm.forward(data.x, false);
  const Tensor xt = tile_rows(xn, o.tile), yt = tile_rows(data.y, o.tile);
  out << fmt::format("Normalized with Normalization.adapt (mean {}, variance {}), tiled ×{} → {} samples.\n\n",
                     format_tensor(norm.variables()[0]->value(), 2), format_tensor(norm.variables()[1]->value(), 2),
                     o.tile, xt.dim(0));

  set_seed(o.seed);
  Sequential model = coffee_model("glorot_uniform", "zeros");
  model.compile(Adam({.learning_rate = 0.01}), "binary_crossentropy");
  out << model.summary() << "\n";
  out << fmt::format("Weights before training (set_seed({}), glorot_uniform kernels, zero biases):\n", o.seed);
  print_weights(out, model);
  out << "They are random so that the three hidden units start different (break the symmetry);\n"
         "training will learn them.\n\n";

  out << fmt::format("Training {} epochs, Adam(learning_rate=0.01), binary cross-entropy, batch 32:\n", o.epochs);
  auto printer = std::make_shared<EpochPrinter>(out, o.epochs);
  const History h = model.fit(xt, yt, {.epochs = o.epochs, .verbose = Verbosity::kSilent, .callbacks = {printer}});

  out << "\nWeights after training:\n";
  print_weights(out, model);

  const Tensor test(Shape{2, 2}, {200.0f, 13.9f, 200.0f, 17.0f});
  const Tensor p = model.predict(norm.forward(test, false));
  out << "\nPredictions:\n";
  for (int i = 0; i < 2; ++i) {
    out << fmt::format("  roast ({:.0f} °C, {:.1f} min): probability {:.4f} → {} ({})\n", test[2 * i],
                       test[2 * i + 1], p[i], p[i] >= 0.5f ? 1 : 0, p[i] >= 0.5f ? "good" : "bad");
  }
  CoffeeLabResult r;
  auto& l1 = model.layer<Dense>("layer1");
  auto& l2 = model.layer<Dense>("layer2");
  r.w1 = l1.kernel().value().clone();
  r.b1 = l1.bias()->value().clone();
  r.w2 = l2.kernel().value().clone();
  r.b2 = l2.bias()->value().clone();
  r.probabilities = p;
  r.final_loss = h.last("loss");
  r.accuracy = accuracy(model, xn, data.y);
  out << fmt::format("Accuracy on the 200 roasts: {:.1f}%\n", 100 * r.accuracy);
  return r;
}

SymmetryResult run_symmetry_demo(std::ostream& out, const SymmetryOptions& o) {
  const CoffeeData data = coffee_roasts();
  Normalization norm;
  norm.adapt(data.x);
  norm.build(Shape{2});
  const Tensor x = norm.forward(data.x, false);
  SymmetryResult r;
  const int64_t steps = o.iterations * ((x.dim(0) + o.batch_size - 1) / o.batch_size);
  out << fmt::format("The coffee network (2 → 3 sigmoid → 1 sigmoid), trained for {} passes over the 200 normalized "
                     "roasts\n(batch {}, {} steps of Adam({})), once from {} for every kernel and bias, once from "
                     "glorot_uniform.\n\n",
                     o.iterations, o.batch_size, steps, o.learning_rate, o.constant_init);
  auto train = [&](const std::string& kernel_init, const std::string& bias_init) {
    set_seed(o.seed);
    Sequential model = coffee_model(kernel_init, bias_init);
    model.compile(Adam({.learning_rate = o.learning_rate}), "binary_crossentropy");
    model.fit(x, data.y, {.batch_size = o.batch_size, .epochs = o.iterations, .verbose = Verbosity::kSilent});
    return model;
  };
  Sequential constant = train(o.constant_init, o.constant_init);
  Sequential random = train("glorot_uniform", "zeros");
  auto& c1 = constant.layer<Dense>("layer1");
  auto& c2 = constant.layer<Dense>("layer2");
  auto& r1 = random.layer<Dense>("layer1");
  r.constant_w1 = c1.kernel().value().clone();
  r.constant_b1 = c1.bias()->value().clone();
  r.constant_w2 = c2.kernel().value().clone();
  r.random_w1 = r1.kernel().value().clone();
  r.random_w2 = random.layer<Dense>("layer2").kernel().value().clone();
  // Columns of W1 (2, 3) are the three hidden units' incoming weights.
  r.constant_columns_identical = all_equal_bits(r.constant_w1.data(), 3, 1) &&
                                 all_equal_bits(r.constant_w1.data() + 3, 3, 1) &&
                                 all_equal_bits(r.constant_b1.data(), 3, 1);
  r.constant_w2_identical = all_equal_bits(r.constant_w2.data(), 3, 1);
  r.random_columns_distinct = r.random_w1[0] != r.random_w1[1] && r.random_w1[1] != r.random_w1[2] &&
                              r.random_w1[0] != r.random_w1[2];
  r.constant_accuracy = accuracy(constant, x, data.y);
  r.random_accuracy = accuracy(random, x, data.y);

  out << fmt::format("From {}:\n", o.constant_init);
  print_weights(out, constant);
  out << "\nFrom glorot_uniform:\n";
  print_weights(out, random);
  out << "\nVerdict:\n";
  if (r.constant_columns_identical && r.constant_w2_identical) {
    out << fmt::format(
        "  From {}, the three hidden units are still identical to the last bit after {} steps: every column of W1,\n"
        "  every entry of b1 and every entry of W2 is the same. Each unit sees the same inputs and gets the same\n"
        "  gradient, so they can never become different: the layer behaves like ONE unit.\n",
        o.constant_init, steps);
  } else {
    out << "  From the constant start, the hidden units are NOT bit-identical (unexpected).\n";
  }
  out << fmt::format("  From glorot_uniform they {}: each unit learned its own feature.\n",
                     r.random_columns_distinct ? "differ" : "do not all differ");
  out << fmt::format("  Accuracy on the 200 roasts: {:.1f}% from {}, {:.1f}% from glorot_uniform.\n",
                     100 * r.constant_accuracy, o.constant_init, 100 * r.random_accuracy);
  return r;
}

}  // namespace initlab
