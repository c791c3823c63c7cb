// Checkpoints: a fit saved, loaded into a fresh model object and continued
// gives the very bits of the fit run straight through.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "initlab/initlab.hpp"
#include "initlab/core/atomic_file.hpp"
#include "initlab/core/parallel.hpp"
#include "initlab/io/checkpoint.hpp"
#include "initlab/io/safetensors.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

namespace fs = std::filesystem;
using initlab::testing::error_of;

enum class Opt { kAdam, kSgdMomentum };

Sequential make_model(Opt opt, int64_t hidden = 16) {
  Sequential m("ckpt_net");
  m.add(Input(Shape{4}));
  m.add(Dense(hidden, {.activation = "relu", .kernel_initializer = "he_normal"}));
  m.add(Dropout(0.3));
  m.add(Dense(3, {.activation = "softmax"}));
  m.compile(opt == Opt::kAdam ? Adam({.learning_rate = 0.01}) : SGD({.learning_rate = 0.05, .momentum = 0.9}),
            "categorical_crossentropy", {"accuracy"});
  return m;
}

// Three noisy blobs in 4-D, one-hot labels: 100 samples (80 train, 20 validate).
std::pair<Tensor, Tensor> blobs(int64_t n, uint64_t seed) {
  Tensor x = initlab::testing::random_tensor(Shape{n, 4}, seed, -0.6f, 0.6f);
  Tensor y(Shape{n, 3});
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = (i * 7) % 3;
    x.at({i, c}) += 1.0f;
    y.at({i, c}) = 1;
  }
  return {x, y};
}

// Saves a checkpoint at one save point: (epoch, batch) mid-epoch, or an epoch's end (batch < 0).
class SaveAt : public Callback {
 public:
  SaveAt(std::string path, int epoch, int64_t batch) : path_(std::move(path)), epoch_(epoch), batch_(batch) {}
  void on_save_point(Sequential& model, int epoch, int64_t batch, bool epoch_end, const Logs&) override {
    if (epoch != epoch_ || epoch_end != (batch_ < 0) || (!epoch_end && batch != batch_)) return;
    const FitProgress p = model.fit_progress();
    save_checkpoint(path_, model, &p);
  }

 private:
  std::string path_;
  int epoch_;
  int64_t batch_;
};

struct TrainedRun {
  std::vector<Tensor> weights;
  History history;
  Logs test;
};

FitOptions fit_options(int epochs, std::vector<std::shared_ptr<Callback>> callbacks) {
  return {.batch_size = 16, .epochs = epochs, .verbose = Verbosity::kSilent, .validation_split = 0.2, .shuffle = true,
          .callbacks = std::move(callbacks)};
}

std::vector<std::shared_ptr<Callback>> callbacks(const std::string& save_path, int epoch, int64_t batch) {
  return {std::make_shared<EarlyStopping>(EarlyStoppingOptions{.monitor = "val_loss", .patience = 10}),
          std::make_shared<SaveAt>(save_path, epoch, batch)};
}

TrainedRun finish(Sequential& m, History h) {
  const auto [xt, yt] = blobs(60, 99);
  return {m.get_weights(), std::move(h), m.evaluate(xt, yt)};
}

TrainedRun straight(Opt opt) {
  set_seed(11);
  Sequential m = make_model(opt);
  const auto [x, y] = blobs(100, 5);
  History h = m.fit(x, y, fit_options(4, callbacks("", -1, -1)));
  return finish(m, std::move(h));
}

// Fit with a checkpoint at (epoch, batch), then a fresh model (under another
// seed) loads it and continues to epoch 4.
TrainedRun resumed(Opt opt, int epoch, int64_t batch, const std::string& path) {
  const auto [x, y] = blobs(100, 5);
  {
    set_seed(11);
    Sequential m = make_model(opt);
    (void)m.fit(x, y, fit_options(batch < 0 ? epoch + 1 : 4, callbacks(path, epoch, batch)));
  }
  set_seed(12345);  // the checkpoint brings its own seed back
  Sequential fresh = make_model(opt);
  const LoadedCheckpoint c = load_checkpoint(fresh, path);
  EXPECT_TRUE(c.progress.has_value());
  FitOptions o = fit_options(4, callbacks("", -1, -1));
  o.resume = c.progress;
  History h = fresh.fit(x, y, o);
  return finish(fresh, std::move(h));
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), static_cast<size_t>(a.size()) * sizeof(float)) == 0;
}

void expect_identical(const TrainedRun& a, const TrainedRun& b) {
  ASSERT_EQ(a.weights.size(), b.weights.size());
  for (size_t i = 0; i < a.weights.size(); ++i) EXPECT_TRUE(same_bits(a.weights[i], b.weights[i])) << "weight " << i;
  EXPECT_EQ(a.history.epoch, b.history.epoch);
  ASSERT_EQ(a.history.history.size(), b.history.history.size());
  for (const auto& [k, v] : a.history.history) {
    ASSERT_TRUE(b.history.history.count(k)) << k;
    const auto& w = b.history.history.at(k);
    ASSERT_EQ(v.size(), w.size()) << k;
    for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(std::memcmp(&v[i], &w[i], sizeof(double)), 0) << k << "[" << i << "] " << v[i] << " vs " << w[i];
  }
  ASSERT_EQ(a.test.size(), b.test.size());
  for (const auto& [k, v] : a.test) EXPECT_EQ(std::memcmp(&v, &b.test.at(k), sizeof(double)), 0) << "test " << k;
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / fmt::format("initlab_ckpt_{}_{}", ::getpid(),
                                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    reset_num_threads();
    fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(CheckpointTest, ResumeAtAnEpochEndIsBitIdenticalForAdamAndSgdMomentumOnOneAndTwoThreads) {
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (Opt opt : {Opt::kAdam, Opt::kSgdMomentum}) {
      SCOPED_TRACE(fmt::format("{} thread(s), {}", threads, opt == Opt::kAdam ? "Adam" : "SGD momentum"));
      const TrainedRun a = straight(opt);
      const TrainedRun b = resumed(opt, 1, -1, path("e2.safetensors"));
      ASSERT_EQ(a.history.epoch, (std::vector<int>{0, 1, 2, 3}));
      expect_identical(a, b);
    }
  }
}

TEST_F(CheckpointTest, ResumeMidEpochIsBitIdentical) {
  for (Opt opt : {Opt::kAdam, Opt::kSgdMomentum}) {
    const TrainedRun a = straight(opt);
    for (int64_t batch : {0, 2, 4}) {  // 80 samples in batches of 16: batch 4 is the epoch's last
      SCOPED_TRACE(fmt::format("saved after batch {} of epoch 1", batch));
      expect_identical(a, resumed(opt, 1, batch, path("mid.safetensors")));
    }
  }
}

TEST_F(CheckpointTest, TheThreadCountChangesNoBit) {
  set_num_threads(1);
  const TrainedRun one = straight(Opt::kAdam);
  set_num_threads(2);
  expect_identical(one, straight(Opt::kAdam));
}

TEST_F(CheckpointTest, TheFileHoldsTheStateAndTheWeightsUnderTheirNames) {
  set_seed(3);
  Sequential m = make_model(Opt::kAdam);
  const auto [x, y] = blobs(100, 5);
  (void)m.fit(x, y, fit_options(1, callbacks(path("c.safetensors"), 0, 1)));
  const TensorSet set = load_safetensors(path("c.safetensors"));
  EXPECT_EQ(set.metadata.at("format"), "initlab-checkpoint");
  EXPECT_EQ(set.metadata.at("version"), "1");
  EXPECT_EQ(set.metadata.at("checksum").size(), 16u);
  ASSERT_NE(set.find("dense/kernel"), nullptr);
  EXPECT_EQ(set.find("dense/kernel")->shape, (Shape{4, 16}));
  ASSERT_NE(set.find("optimizer/slot1/dense_1/bias"), nullptr);  // Adam's v of the output bias
  const nlohmann::json state = nlohmann::json::parse(set.metadata.at("state"));
  EXPECT_EQ(state["progress"]["epoch"], 0);
  EXPECT_EQ(state["progress"]["step"], 2);       // saved after batch 1: two batches trained
  EXPECT_EQ(state["progress"]["seen"], 32);
  EXPECT_EQ(state["training"]["steps_trained"], 2);
  EXPECT_EQ(state["training"]["seed"], 3);
  EXPECT_EQ(state["training"]["random_positions"]["dropout"], 2);  // two masks drawn
  EXPECT_EQ(state["training"]["optimizer"]["iterations"], 2);
}

TEST_F(CheckpointTest, ACorruptByteIsAChecksumErrorAndTheModelIsUntouched) {
  set_seed(3);
  Sequential m = make_model(Opt::kAdam);
  const auto [x, y] = blobs(100, 5);
  (void)m.fit(x, y, fit_options(1, callbacks(path("c.safetensors"), 0, -1)));
  std::string bytes = read_file(path("c.safetensors"));
  bytes[bytes.size() - 3] ^= 0x10;  // inside the last tensor's data
  write_file_atomically(path("bad.safetensors"), bytes);
  Sequential fresh = make_model(Opt::kAdam);
  fresh.build(Shape{4});
  const std::vector<Tensor> before = fresh.get_weights();
  const std::string e = error_of([&] { (void)load_checkpoint(fresh, path("bad.safetensors")); });
  EXPECT_NE(e.find("bad.safetensors: checkpoint checksum mismatch"), std::string::npos) << e;
  EXPECT_NE(e.find("corrupt"), std::string::npos) << e;
  const std::vector<Tensor> after = fresh.get_weights();
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(same_bits(before[i], after[i]));
  EXPECT_EQ(fresh.optimizer()->iterations(), 0);
}

TEST_F(CheckpointTest, AnotherVersionOrFormatIsRefusedClearly) {
  set_seed(3);
  Sequential m = make_model(Opt::kAdam);
  m.build(Shape{4});
  save_checkpoint(path("c.safetensors"), m);
  TensorSet set = load_safetensors(path("c.safetensors"));
  set.metadata["version"] = "2";
  save_safetensors(path("v2.safetensors"), set);
  std::string e = error_of([&] { (void)read_checkpoint(path("v2.safetensors")); });
  EXPECT_NE(e.find("v2.safetensors: checkpoint version \"2\" is not one this initlab reads (it reads version 1)"),
            std::string::npos)
      << e;
  set.metadata["version"] = "1";
  set.metadata["format"] = "pt";
  save_safetensors(path("pt.safetensors"), set);
  e = error_of([&] { (void)read_checkpoint(path("pt.safetensors")); });
  EXPECT_NE(e.find("pt.safetensors: not an initlab checkpoint: format \"pt\", expected \"initlab-checkpoint\""),
            std::string::npos)
      << e;
  set.metadata.clear();
  save_safetensors(path("plain.safetensors"), set);
  e = error_of([&] { (void)read_checkpoint(path("plain.safetensors")); });
  EXPECT_NE(e.find("the safetensors metadata has no 'format'"), std::string::npos) << e;
}

TEST_F(CheckpointTest, AnotherArchitectureIsRefusedAndChangesNothing) {
  set_seed(3);
  Sequential m = make_model(Opt::kAdam);
  m.build(Shape{4});
  save_checkpoint(path("c.safetensors"), m);
  Sequential other = make_model(Opt::kAdam, 8);
  other.build(Shape{4});
  const std::vector<Tensor> before = other.get_weights();
  const std::string e = error_of([&] { (void)load_checkpoint(other, path("c.safetensors")); });
  EXPECT_NE(e.find("the model differs from the one saved"), std::string::npos) << e;
  EXPECT_NE(e.find("dense/kernel (4, 16)"), std::string::npos) << e;
  EXPECT_NE(e.find("nothing was changed"), std::string::npos) << e;
  const std::vector<Tensor> after = other.get_weights();
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(same_bits(before[i], after[i]));

  Sequential sgd = make_model(Opt::kSgdMomentum);
  EXPECT_NE(error_of([&] { (void)load_checkpoint(sgd, path("c.safetensors")); }).find("optimizer SGD"), std::string::npos);
}

TEST_F(CheckpointTest, ResumingOnOtherDataOrBatchSizeSaysWhatDiffers) {
  set_seed(3);
  const auto [x, y] = blobs(100, 5);
  {
    Sequential m = make_model(Opt::kAdam);
    (void)m.fit(x, y, fit_options(1, callbacks(path("c.safetensors"), 0, -1)));
  }
  Sequential fresh = make_model(Opt::kAdam);
  const LoadedCheckpoint c = load_checkpoint(fresh, path("c.safetensors"));
  FitOptions o = fit_options(2, callbacks("", -1, -1));
  o.resume = c.progress;
  const auto [x2, y2] = blobs(100, 6);
  EXPECT_NE(error_of([&] { (void)fresh.fit(x2, y2, o); }).find("other training data"), std::string::npos);
  o.batch_size = 8;
  EXPECT_NE(error_of([&] { (void)fresh.fit(x, y, o); }).find("batch_size 16 (this fit: 8)"), std::string::npos);
  o.batch_size = 16;
  o.callbacks.pop_back();
  EXPECT_NE(error_of([&] { (void)fresh.fit(x, y, o); }).find("2 callbacks (this fit: 1)"), std::string::npos);
}

TEST_F(CheckpointTest, ADirectoryYieldsItsNewestCompleteCheckpoint) {
  set_seed(3);
  const auto [x, y] = blobs(100, 5);
  Sequential m = make_model(Opt::kAdam);
  (void)m.fit(x, y, fit_options(1, callbacks(path("a.safetensors"), 0, 1)));   // 2 steps
  (void)m.fit(x, y, fit_options(1, callbacks(path("b.safetensors"), 0, 3)));   // 5 + 4 steps
  const std::string newest = read_file(path("b.safetensors"));
  write_file_atomically(path("c.safetensors"), newest.substr(0, newest.size() / 2));  // truncated
  write_file_atomically(path(".d.safetensors.tmp1234"), newest);                        // a writer's temporary
  write_file_atomically(path(".e.safetensors"), newest);
  std::vector<std::string> skipped;
  EXPECT_EQ(newest_checkpoint(dir_.string(), &skipped), path("b.safetensors"));
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("c.safetensors"), std::string::npos) << skipped[0];
  std::string resolved;
  EXPECT_EQ(read_checkpoint(dir_.string(), &resolved).training.steps_trained, 9);
  EXPECT_EQ(resolved, path("b.safetensors"));
  fs::remove(path("a.safetensors"));
  fs::remove(path("b.safetensors"));
  const std::string e = error_of([&] { (void)read_checkpoint(dir_.string()); });
  EXPECT_NE(e.find("no complete checkpoint in this directory; skipped:"), std::string::npos) << e;
}

TEST_F(CheckpointTest, TrainingStateRoundTripsItsSlotsExactly) {
  set_seed(3);
  Sequential m = make_model(Opt::kSgdMomentum);
  const auto [x, y] = blobs(100, 5);
  (void)m.fit(x, y, {.batch_size = 16, .epochs = 1, .verbose = Verbosity::kSilent});
  const TrainingState s = m.training_state();
  ASSERT_TRUE(s.optimizer);
  EXPECT_EQ(s.optimizer->slots.size(), 4u);  // a velocity per variable
  EXPECT_EQ(s.optimizer->iterations, 7);     // ceil(100 / 16)
  save_checkpoint(path("s.safetensors"), m);
  const Checkpoint c = read_checkpoint(path("s.safetensors"));
  ASSERT_TRUE(c.training.optimizer);
  ASSERT_EQ(c.training.optimizer->slots.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(c.training.optimizer->slots[i].variable, s.optimizer->slots[i].variable);
    EXPECT_EQ(c.training.optimizer->slots[i].values, s.optimizer->slots[i].values);
  }
  EXPECT_FALSE(c.progress.has_value());
  EXPECT_EQ(c.training.architecture, s.architecture);
}

}  // namespace
}  // namespace initlab
