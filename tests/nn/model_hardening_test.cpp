// Model building against careless or hostile input: names at scale, every
// layer argument checked on every axis, degenerate shapes, memory refused up
// front (with the figure and the culprit), shape-only summaries and advice,
// and validation splits too small for the data.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "initlab/core/memory_budget.hpp"
#include "initlab/data/playground.hpp"
#include "initlab/initlab.hpp"
#include "initlab/lab/init_lab.hpp"
#include "initlab/nn/lsuv.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using initlab::testing::error_of;

// A fixed memory budget for the scope of a test, always restored.
class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t bytes) { set_memory_budget(bytes); }
  ~MemoryBudget() { set_memory_budget(std::nullopt); }
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;
};

constexpr uint64_t kMB = 1000 * 1000;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

template <class E>
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("(another error) ") + e.what();
  }
  return "(no error)";
}

// ---------------------------------------------------------------- names

TEST(ModelHardening, HundredThousandUnnamedLayersAreNamedInLinearTime) {
  // Judged by growth, not by a clock limit (sanitizer builds and loaded machines are slower):
  // 5× the layers must take well under 25× the time, which quadratic naming would need.
  auto build_seconds = [](int n, Sequential& m) {
    const auto t0 = std::chrono::steady_clock::now();
    m.add(Input(Shape{1}));
    for (int i = 0; i < n; ++i) m.add(Dense(1));
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  Sequential small;
  const double t_small = build_seconds(20000, small);
  Sequential m;
  const double t_large = build_seconds(100000, m);
  EXPECT_LT(t_large, 12.0 * t_small + 0.5) << "20 000 layers: " << t_small << " s, 100 000: " << t_large << " s";
  ASSERT_EQ(m.layers().size(), 100000u);
  EXPECT_EQ(m.layers()[0]->name(), "dense");
  EXPECT_EQ(m.layers()[1]->name(), "dense_1");
  EXPECT_EQ(m.layers()[99999]->name(), "dense_99999");
  EXPECT_EQ(m.layer("dense_54321").name(), "dense_54321");
  // Shapes, parameters and the summary stay linear too.
  EXPECT_EQ(m.output_shape(), Shape{1});
  const std::string s = m.summary();
  EXPECT_TRUE(has(s, "Total params: 200000")) << s.substr(s.size() - 400);
  EXPECT_FALSE(m.built());
}

TEST(ModelHardening, NamesFollowKerasSchemeAroundNamedLayers) {
  Sequential m;
  m.add(Dense(2));
  m.add(Dense(2, {.name = "dense_2"}));
  m.add(Dense(2));
  m.add(Dense(2));
  m.add(Dropout(0.5));
  m.add(Dense(2));
  std::vector<std::string> names;
  for (const auto& l : m.layers()) names.push_back(l->name());
  EXPECT_EQ(names, (std::vector<std::string>{"dense", "dense_2", "dense_1", "dense_3", "dropout", "dense_4"}));
  const std::string e = error_of([&] { m.add(Dense(2, {.name = "dense_3"})); });
  EXPECT_TRUE(has(e, "duplicate layer name 'dense_3': layer 3 (Dense)")) << e;
}

TEST(ModelHardening, OptimizerStepIsNotQuadraticInVariables) {
  // 60 000 variables: a per-gradient scan of every variable took 3.6·10^9 comparisons a step.
  Sequential m;
  m.add(Input(Shape{1}));
  for (int i = 0; i < 30000; ++i) m.add(Dense(1, {.kernel_initializer = "ones"}));
  m.compile(SGD(), "mean_squared_error");
  const Tensor x(Shape{1, 1}, {0.0f}), y(Shape{1, 1}, {0.0f});
  const auto t0 = std::chrono::steady_clock::now();
  m.fit(x, y, {.batch_size = 1, .epochs = 1, .verbose = Verbosity::kSilent});
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
}

// ---------------------------------------------------------------- layer arguments

TEST(ModelHardening, PoolingStridesAreCheckedOnEveryAxis) {
  // strides (2, 0) divided by zero (SIGFPE) once the shape was asked for.
  std::string e = message_of<ValueError>([] { MaxPooling2D({2, 2}, {.strides = {2, 0}, .name = "pool"}); });
  EXPECT_TRUE(has(e, "layer 'pool' (MaxPooling2D): strides must be >= 1 on every axis, got (2, 0)")) << e;
  e = message_of<ValueError>([] { AveragePooling2D({2, 2}, {.strides = {-1, 2}}); });
  EXPECT_TRUE(has(e, "AveragePooling2D layer: strides must be >= 1 on every axis, got (-1, 2)")) << e;
  e = message_of<ValueError>([] { MaxPooling2D({2, 2}, {.strides = {0, 0}}); });
  EXPECT_TRUE(has(e, "strides must be >= 1")) << e;  // (0, 0) is not "the default"
  e = message_of<ValueError>([] { MaxPooling2D({3, 0}, {.name = "p"}); });
  EXPECT_TRUE(has(e, "layer 'p' (MaxPooling2D): pool_size must be >= 1 on every axis, got (3, 0)")) << e;
  e = message_of<ValueError>([] { MaxPooling2D({2, 2}, {.padding = "full", .name = "p"}); });
  EXPECT_TRUE(has(e, "layer 'p' (MaxPooling2D): padding must be 'valid' or 'same', got 'full'")) << e;
  e = message_of<ValueError>([] { MaxPooling2D({1 << 20, 1 << 20}, {.padding = "same"}); });
  EXPECT_TRUE(has(e, "pool_size (1048576, 1048576) has more than 2147483647 positions")) << e;
  // Without strides they default to the pool size.
  EXPECT_EQ(MaxPooling2D({3, 2}).strides(), (std::array<int64_t, 2>{3, 2}));
}

TEST(ModelHardening, ConvolutionArgumentsAreCheckedOnEveryAxis) {
  std::string e = message_of<ValueError>([] { Conv2D(0, {3, 3}, {.name = "c"}); });
  EXPECT_TRUE(has(e, "layer 'c' (Conv2D): filters must be >= 1, got 0")) << e;
  e = message_of<ValueError>([] { Conv2D(4, {3, 0}, {.name = "c"}); });
  EXPECT_TRUE(has(e, "layer 'c' (Conv2D): kernel_size must be >= 1 on every axis, got (3, 0)")) << e;
  e = message_of<ValueError>([] { Conv2D(4, {3, 3}, {.strides = {1, 0}, .name = "c"}); });
  EXPECT_TRUE(has(e, "layer 'c' (Conv2D): strides must be >= 1 on every axis, got (1, 0)")) << e;
  e = message_of<ValueError>([] { Conv2D(4, {3, 3}, {.padding = "causal", .name = "c"}); });
  EXPECT_TRUE(has(e, "padding must be 'valid' or 'same', got 'causal'")) << e;
}

TEST(ModelHardening, OtherLayerArgumentsNameTheLayerAndField) {
  std::string e = message_of<ValueError>([] { Dense(0, {.name = "d"}); });
  EXPECT_TRUE(has(e, "layer 'd' (Dense): units must be >= 1, got 0")) << e;
  e = message_of<ValueError>([] { Dense(-3); });
  EXPECT_TRUE(has(e, "Dense layer: units must be >= 1, got -3")) << e;
  for (double rate : {1.0, -0.1, std::nan("")}) {
    e = message_of<ValueError>([&] { Dropout(rate, "drop"); });
    EXPECT_TRUE(has(e, "layer 'drop' (Dropout): rate must be in [0, 1)")) << e;
  }
  for (double m : {1.5, -0.5, std::nan("")}) {
    e = message_of<ValueError>([&] { BatchNormalization({.momentum = m, .name = "bn"}); });
    EXPECT_TRUE(has(e, "layer 'bn' (BatchNormalization): momentum must be in [0, 1]")) << e;
  }
  for (double eps : {0.0, -1.0, std::nan(""), HUGE_VAL}) {
    e = message_of<ValueError>([&] { BatchNormalization({.epsilon = eps, .name = "bn"}); });
    EXPECT_TRUE(has(e, "layer 'bn' (BatchNormalization): epsilon must be finite and > 0")) << e;
  }
}

// ---------------------------------------------------------------- shapes

TEST(ModelHardening, KernelAndPoolMustFitTheirInput) {
  Conv2D conv(4, {5, 5}, {.name = "conv2d"});
  std::string e = message_of<ShapeError>([&] { (void)conv.output_shape(Shape{3, 3, 1}); });
  EXPECT_TRUE(has(e, "layer 'conv2d' (Conv2D): kernel_size (5, 5) is larger than its input (3, 3) with padding 'valid'"))
      << e;
  Conv2D tall(4, {5, 1}, {.name = "tall"});
  e = message_of<ShapeError>([&] { (void)tall.output_shape(Shape{3, 9, 1}); });
  EXPECT_TRUE(has(e, "kernel_size (5, 1) is larger than its input (3, 9)")) << e;
  // 'same' pads: the same kernel fits, ceil(in / stride) outputs.
  Conv2D same(4, {5, 5}, {.strides = {2, 2}, .padding = "same"});
  EXPECT_EQ(same.output_shape(Shape{3, 3, 1}), (Shape{2, 2, 4}));
  MaxPooling2D pool({2, 4}, {.name = "pool"});
  e = message_of<ShapeError>([&] { (void)pool.output_shape(Shape{5, 3, 2}); });
  EXPECT_TRUE(has(e, "layer 'pool' (MaxPooling2D): pool_size (2, 4) is larger than its input (5, 3) with padding 'valid'"))
      << e;
  MaxPooling2D same_pool({2, 2}, {.padding = "same"});
  EXPECT_EQ(same_pool.output_shape(Shape{1, 1, 3}), (Shape{1, 1, 3}));
  MaxPooling2D huge({4000, 4000}, {.padding = "same", .name = "huge"});
  e = message_of<ShapeError>([&] { (void)huge.output_shape(Shape{28, 28, 1}); });
  EXPECT_TRUE(has(e, "layer 'huge' (MaxPooling2D): pool_size (4000, 4000) is more than twice its input (28, 28)")) << e;
  // Strides larger than the input: one window.
  MaxPooling2D far({2, 2}, {.strides = {1000000, 1000000}});
  EXPECT_EQ(far.output_shape(Shape{5, 5, 1}), (Shape{1, 1, 1}));
  Conv2D far_conv(2, {2, 2}, {.strides = {INT64_MAX, INT64_MAX}, .padding = "same"});
  EXPECT_EQ(far_conv.output_shape(Shape{5, 5, 1}), (Shape{1, 1, 2}));
}

TEST(ModelHardening, EmptyAxesAreRefusedByEveryLayer) {
  const Shape empty_image{0, 5, 3}, empty_features{4, 0};
  std::vector<std::shared_ptr<Layer>> image_layers = {
      std::make_shared<Conv2D>(2, std::array<int64_t, 2>{1, 1}, Conv2DOptions{.padding = "same", .name = "c"}),
      std::make_shared<MaxPooling2D>(std::array<int64_t, 2>{1, 1}, PoolingOptions{.padding = "same", .name = "p"}),
      std::make_shared<GlobalAveragePooling2D>("g"), std::make_shared<Flatten>("f")};
  for (const auto& l : image_layers) {
    const std::string e = message_of<ShapeError>([&] { (void)l->output_shape(empty_image); });
    EXPECT_TRUE(has(e, "'" + l->name() + "'") && has(e, "has an empty axis 0")) << e;
  }
  std::vector<std::shared_ptr<Layer>> feature_layers = {std::make_shared<Dense>(3, DenseOptions{.name = "d"}),
                                                        std::make_shared<BatchNormalization>(BatchNormalizationOptions{.name = "bn"}),
                                                        std::make_shared<Normalization>("n")};
  for (const auto& l : feature_layers) {
    const std::string e = message_of<ShapeError>([&] { (void)l->output_shape(empty_features); });
    EXPECT_TRUE(has(e, "'" + l->name() + "'") && has(e, "has an empty axis 1")) << e;
    const std::string r = message_of<ShapeError>([&] { (void)l->output_shape(Shape{}); });
    EXPECT_TRUE(has(r, "needs inputs with a feature axis")) << r;
  }
  // The model refuses at build, before any weight exists.
  Sequential m;
  m.add(Input(Shape{0}));
  m.add(Dense(3, {.name = "d"}));
  EXPECT_TRUE(has(message_of<ShapeError>([&] { m.build(Shape{0}); }), "layer 'd' (Dense)"));
  EXPECT_FALSE(m.built());
  EXPECT_TRUE(m.layers()[0]->variables().empty());
}

TEST(ModelHardening, ShapesThatOverflowNameTheLayer) {
  Dense d(INT64_MAX / 2, {.name = "wide"});
  const std::string e = message_of<ShapeError>([&] { (void)d.weight_specs(Shape{784}); });
  EXPECT_TRUE(has(e, "layer 'wide' (Dense): its kernel (784, 4611686018427387903) would have more elements than fit in 64 bits"))
      << e;
  Dense middle(1 << 20, {.name = "m"});
  const std::string o = message_of<ShapeError>([&] { (void)middle.output_shape(Shape{1 << 30, 1 << 30, 3}); });
  EXPECT_TRUE(has(o, "layer 'm' (Dense): its output")) << o;
}

// ---------------------------------------------------------------- memory

TEST(ModelHardening, BuildRefusesWeightsTooLargeNamingTheTensor) {
  MemoryBudget budget(100 * kMB);
  Sequential m;
  m.add(Input(Shape{40000}));
  m.add(Dense(40000));
  const std::string e = message_of<ResourceError>([&] { m.build(Shape{40000}); });
  EXPECT_TRUE(has(e, "dense/kernel (40000, 40000) needs 6.40 GB; 100 MB is the memory budget")) << e;
  EXPECT_FALSE(m.built());
  EXPECT_TRUE(m.layers()[0]->variables().empty());
}

TEST(ModelHardening, BuildRefusesTheSumNamingTheLargest) {
  MemoryBudget budget(200 * kMB);
  Sequential m("big");
  m.add(Input(Shape{3000}));
  for (int i = 0; i < 4; ++i) m.add(Dense(3000));
  m.add(Dense(4000));
  const std::string e = message_of<ResourceError>([&] { m.build(Shape{3000}); });
  EXPECT_TRUE(has(e, "model 'big' needs 384 MB for its weights and their gradients, the largest dense_4/kernel "
                     "(3000, 4000) 48.0 MB; 200 MB is the memory budget"))
      << e;
  // With Adam compiled in, its two moments count too.
  Sequential a("adam");
  a.add(Input(Shape{3000}));
  for (int i = 0; i < 2; ++i) a.add(Dense(3000));
  const std::string ea = message_of<ResourceError>([&] { a.compile(Adam(), "mean_squared_error"); });
  EXPECT_TRUE(has(ea, "model 'adam' needs 288 MB for its weights, their gradients and Adam's state")) << ea;
  EXPECT_FALSE(a.built());
}

TEST(ModelHardening, TrillionUnitsIsAResourceErrorNamingTheLayer) {
  // units: 1e12 was std::bad_alloc.
  Sequential m;
  m.add(Input(Shape{784}));
  m.add(Dense(1000000000000, {.name = "huge"}));
  const std::string e = message_of<ResourceError>([&] { m.build(Shape{784}); });
  EXPECT_TRUE(has(e, "huge/kernel (784, 1000000000000) needs 3.14 PB")) << e;
  // The layer's own build checks as well.
  Dense alone(1000000000000, {.name = "alone"});
  EXPECT_TRUE(has(message_of<ResourceError>([&] { alone.build(Shape{784}); }), "alone/kernel (784, 1000000000000) needs"));
}

TEST(ModelHardening, SummaryAndAdvisorNeverAllocateWeights) {
  MemoryBudget budget(1 * kMB);
  Sequential m;
  m.add(Input(Shape{40000}));
  m.add(Dense(40000, {.activation = "relu"}));
  m.add(Dense(10, {.activation = "softmax", .kernel_initializer = "zeros"}));
  const std::string s = m.summary();
  EXPECT_TRUE(has(s, "dense (Dense)")) << s;
  EXPECT_TRUE(has(s, "(None, 40000)")) << s;
  EXPECT_TRUE(has(s, "1600040000")) << s;
  EXPECT_TRUE(has(s, "Total params: 1600440010")) << s;
  EXPECT_TRUE(has(s, "kernel: glorot_uniform, bias: zeros")) << s;
  EXPECT_TRUE(has(s, "Init advisor:")) << s;
  EXPECT_FALSE(m.built());
  EXPECT_EQ(m.layers()[0]->parameter_count(Shape{40000}), 1600040000);
  // The advisor's variance arithmetic from shapes and formulas: a constant
  // hidden kernel is found without one weight in memory.
  Sequential c;
  c.add(Input(Shape{40000}));
  c.add(Dense(40000, {.activation = "tanh", .kernel_initializer = "zeros"}));
  c.add(Dense(10));
  const auto advice = advise(c);
  ASSERT_FALSE(advice.empty());
  EXPECT_EQ(advice[0].rule, "constant-kernel");
  EXPECT_TRUE(has(advice[0].arithmetic, "its 40000 units are copies of one unit")) << advice[0].arithmetic;
  EXPECT_FALSE(c.built());
}

TEST(ModelHardening, SummaryOfABuiltModelIsUnchanged) {
  Sequential m("s");
  m.add(Input(Shape{6, 6, 2}));
  m.add(Conv2D(3, {3, 3}, {.name = "c"}));
  m.add(BatchNormalization({.name = "bn"}));
  m.add(Flatten("f"));
  m.add(Dense(2, {.name = "d"}));
  const std::string before = m.summary();
  m.build(Shape{6, 6, 2});
  EXPECT_EQ(m.summary(), before);
  EXPECT_TRUE(has(before, "moving_mean: adapted")) << before;
  EXPECT_TRUE(has(before, "Total params: 167")) << before;  // conv 54 + 3, BN 4·3, dense 48·2 + 2
  int64_t total = 0;
  for (auto* v : m.variables()) total += v->value().size();
  EXPECT_EQ(total, 167);
}

TEST(ModelHardening, FitRefusesActivationsTooLargeBeforeTheFirstStep) {
  Sequential m("wide");
  m.add(Input(Shape{10}));
  m.add(Dense(4000, {.activation = "relu", .name = "hidden"}));
  m.add(Dense(1, {.name = "out"}));
  m.compile(SGD(), "mean_squared_error");
  const Tensor x(Shape{20000, 10}), y(Shape{20000, 1});
  MemoryBudget budget(100 * kMB);
  std::ostringstream captured;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  const std::string e = message_of<ResourceError>([&] { m.fit(x, y, {.batch_size = 20000, .epochs = 1}); });
  std::cout.rdbuf(old);
  EXPECT_TRUE(has(e, "fit: training model 'wide' on batches of 20000")) << e;
  EXPECT_TRUE(has(e, "layer 'hidden' with output (4000,), keeps 16000 values per sample")) << e;
  EXPECT_TRUE(has(e, "is the memory budget")) << e;
  EXPECT_EQ(captured.str(), "");  // refused before "Epoch 1/1"
  EXPECT_EQ(m.steps_trained(), 0);
}

TEST(ModelHardening, PlaygroundSampleCountsAreChecked) {
  // 10^10 samples ran into the OOM killer.
  std::string e = message_of<ResourceError>([] { playground_dataset("spiral", {.samples = 10000000000}); });
  EXPECT_TRUE(has(e, "playground data set 'spiral' with 10000000000 samples needs")) << e;
  // -5 silently became Playground's 500.
  e = message_of<ValueError>([] { playground_dataset("circle", {.samples = -5}); });
  EXPECT_TRUE(has(e, "samples must be >= 0")) << e;
  e = message_of<ValueError>([] { playground_dataset("spiral", {.samples = 1}); });
  EXPECT_TRUE(has(e, "'spiral' needs at least 2 samples for this split")) << e;
  e = message_of<ValueError>([] { playground_dataset("xor", {.samples = 5, .train_fraction = 0.1}); });
  EXPECT_TRUE(has(e, "leave 0 for training and 5 for testing")) << e;
  const PlaygroundData small = playground_dataset("xor", {.samples = 2});
  EXPECT_EQ(small.train.x.dim(0), 1);
  EXPECT_EQ(small.test.x.dim(0), 1);
}

TEST(ModelHardening, LabRefusesANetworkTooLargeUpFront) {
  InitLabOptions o;
  o.dataset = "spiral";
  o.width = 65536;
  o.depth = 1000;
  o.report = "";
  o.progress = false;
  std::ostringstream out;
  const std::string e = message_of<ResourceError>([&] { run_init_lab(o, out); });
  EXPECT_TRUE(has(e, "lab: the network 2 → 1000 × Dense(65536) → Dense(2)")) << e;
  EXPECT_TRUE(has(e, "each hidden kernel up to 17.2 GB")) << e;
  EXPECT_TRUE(has(e, " needs ")) << e;
  EXPECT_EQ(out.str(), "");  // nothing ran
}

// ---------------------------------------------------------------- data edge cases

Sequential tiny_regressor() {
  Sequential m("tiny");
  m.add(Input(Shape{2}));
  m.add(Dense(1));
  m.compile(SGD(), "mean_squared_error");
  return m;
}

TEST(ModelHardening, ValidationSplitFollowsKeras) {
  // Keras: the first floor(n·(1 − split)) samples train. With 7 samples and
  // 0.1 that is 6 and 1 (floor(n·split) held out none, and the loss of an
  // empty validation set failed after "Epoch 1/1").
  Sequential m = tiny_regressor();
  const Tensor x = initlab::testing::random_tensor(Shape{7, 2}, 1), y = initlab::testing::random_tensor(Shape{7, 1}, 2);
  const History h = m.fit(x, y, {.batch_size = 32, .epochs = 1, .verbose = Verbosity::kSilent, .validation_split = 0.1});
  EXPECT_EQ(h.history.count("val_loss"), 1u);
  EXPECT_TRUE(std::isfinite(h.last("val_loss")));
  EXPECT_EQ(m.steps_trained(), 1);
}

TEST(ModelHardening, ValidationSplitTooLargeForTheDataSaysHowManyAreNeeded) {
  Sequential m = tiny_regressor();
  const Tensor x(Shape{1, 2}), y(Shape{1, 1});
  std::ostringstream captured;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  const std::string e = message_of<ValueError>([&] { m.fit(x, y, {.epochs = 1, .validation_split = 0.1}); });
  std::cout.rdbuf(old);
  EXPECT_TRUE(has(e, "fit: validation_split=0.1 of 1 sample leaves 0 for training and 1 for validation; this split "
                     "needs at least 2 samples"))
      << e;
  EXPECT_EQ(captured.str(), "");
  const Tensor x3(Shape{3, 2}), y3(Shape{3, 1});
  const std::string e3 = message_of<ValueError>([&] { m.fit(x3, y3, {.epochs = 1, .validation_split = 0.9}); });
  EXPECT_TRUE(has(e3, "leaves 0 for training and 3 for validation; this split needs at least 11 samples")) << e3;
}

TEST(ModelHardening, EmptySetsAreRefusedOrGiveEmptyPredictions) {
  Sequential m = tiny_regressor();
  const Tensor x(Shape{0, 2}), y(Shape{0, 1});
  EXPECT_TRUE(has(message_of<ValueError>([&] { m.evaluate(x, y); }), "evaluate: model 'tiny' was given no samples"));
  const Tensor x1(Shape{4, 2}), y1(Shape{4, 1});
  EXPECT_TRUE(has(message_of<ValueError>([&] {
                    m.fit(x1, y1, {.epochs = 1, .verbose = Verbosity::kSilent, .validation_data = std::make_pair(x, y)});
                  }),
                  "validation_data has no samples"));
  EXPECT_EQ(m.predict(x).shape(), (Shape{0, 1}));
  EXPECT_TRUE(has(message_of<ValueError>([&] { m.gradients(x, y); }), "gradients: model 'tiny' was given no samples"));
}

TEST(ModelHardening, LsuvTargetsMustBeFinite) {
  Sequential m = tiny_regressor();
  const Tensor x = initlab::testing::random_tensor(Shape{8, 2}, 3);
  EXPECT_TRUE(has(message_of<ValueError>([&] { lsuv_initialize(m, x, {.target_variance = HUGE_VAL}); }),
                  "target_variance must be > 0 and finite"));
  EXPECT_TRUE(has(message_of<ValueError>([&] { lsuv_initialize(m, x, {.tolerance = HUGE_VAL}); }),
                  "tolerance must be > 0 and finite"));
}

TEST(ModelHardening, AdvisorProductsBeyondDoubleRangeAreWrittenAsPowers) {
  // 0.5^4999 underflowed to "×0".
  Sequential m;
  m.add(Input(Shape{8}));
  for (int i = 0; i < 5000; ++i) m.add(Dense(8, {.activation = "relu"}));
  bool found = false;
  for (const auto& a : advise(m)) {
    if (a.rule == "glorot-deep-relu") {
      found = true;
      EXPECT_TRUE(has(a.arithmetic, "×10^-1505 over 4999 layers")) << a.arithmetic;
    }
    if (a.rule == "deep-unnormalized") EXPECT_TRUE(has(a.arithmetic, "×9.2e+206 or ×1.6e-229")) << a.arithmetic;
  }
  EXPECT_TRUE(found);
  EXPECT_FALSE(m.built());
}

}  // namespace
}  // namespace initlab
