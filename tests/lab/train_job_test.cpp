// initlab train: a Keras model file with a training section, run end to end
// on a Playground set; the history files are read back.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "initlab/core/atomic_file.hpp"
#include "initlab/lab/train_job.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using nlohmann::json;

struct TempDir {
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("initlab-train-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::filesystem::path path;
};

// tf-keras style: Input(2) → Dense(8, tanh) → Dense(8, tanh) → Dense(1, sigmoid).
json xor_job() {
  auto dense = [](const char* name, int units, const char* act) {
    return json{{"class_name", "Dense"},
                {"config", {{"name", name}, {"units", units}, {"activation", act},
                            {"kernel_initializer", {{"class_name", "GlorotUniform"}, {"config", {{"seed", nullptr}}}}}}}};
  };
  return json{{"class_name", "Sequential"},
              {"config", {{"name", "xor_net"},
                          {"layers", {{{"class_name", "InputLayer"}, {"config", {{"batch_input_shape", {nullptr, 2}}}}},
                                      dense("h1", 8, "tanh"), dense("h2", 8, "tanh"), dense("out", 1, "sigmoid")}}}},
              {"training", {{"dataset", {{"name", "xor"}, {"samples", 600}, {"noise", 0.0}}},
                            {"epochs", 40},
                            {"batch_size", 10},
                            {"validation", "test"},
                            {"seed", 7},
                            {"optimizer", {{"class_name", "Adam"}, {"config", {{"learning_rate", 0.03}}}}},
                            {"loss", "binary_crossentropy"},
                            {"metrics", {"accuracy"}}}}};
}

TEST(TrainJob, LearnsXorAndWritesItsHistory) {
  TempDir dir;
  const std::string cfg = dir.file("xor.json");
  write_file_atomically(cfg, xor_job().dump());
  std::ostringstream out;
  const TrainJobResult r =
      run_train_job(cfg, {.out_dir = dir.file("run"), .verbose = Verbosity::kSilent}, out);
  EXPECT_EQ(r.seed, 7u);
  EXPECT_GT(r.test.at("accuracy"), 0.9) << out.str();
  ASSERT_EQ(r.history.epoch.size(), 40u);
  EXPECT_LT(r.history.history.at("loss").back(), r.history.history.at("loss").front() * 0.5);
  EXPECT_NE(out.str().find("model 'xor_net'"), std::string::npos);
  EXPECT_NE(out.str().find("test: loss "), std::string::npos);

  const json h = json::parse(read_file(r.history_json));
  EXPECT_EQ(h.at("seed"), 7);
  EXPECT_EQ(h.at("history").at("val_accuracy").size(), 40u);
  EXPECT_DOUBLE_EQ(h.at("history").at("loss")[39].get<double>(), r.history.history.at("loss")[39]);
  EXPECT_DOUBLE_EQ(h.at("test").at("accuracy").get<double>(), r.test.at("accuracy"));

  const std::string csv = read_file(r.history_csv);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "epoch,accuracy,loss,val_accuracy,val_loss");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 41);

  // The same file and seed train to the same bits.
  const TrainJobResult again =
      run_train_job(cfg, {.out_dir = dir.file("run2"), .verbose = Verbosity::kSilent}, out);
  EXPECT_EQ(again.history.history.at("loss"), r.history.history.at("loss"));
}

TEST(TrainJob, CommandLineOverridesAndErrors) {
  TempDir dir;
  const std::string cfg = dir.file("xor.json");
  write_file_atomically(cfg, xor_job().dump());
  std::ostringstream out;
  const TrainJobResult r = run_train_job(
      cfg, {.epochs = 2, .seed = 11, .max_samples = 50, .out_dir = dir.file("run"), .verbose = Verbosity::kSilent}, out);
  EXPECT_EQ(r.history.epoch.size(), 2u);
  EXPECT_EQ(r.seed, 11u);
  EXPECT_NE(out.str().find("50 training samples"), std::string::npos) << out.str();

  json no_loss = xor_job();
  no_loss["training"].erase("loss");
  write_file_atomically(cfg, no_loss.dump());
  EXPECT_EQ(testing::error_of([&] { run_train_job(cfg, {.out_dir = dir.file("r")}, out); }),
            cfg + ": training: missing field: loss (the file has no compile_config; give \"loss\" here)");

  json bad_data = xor_job();
  bad_data["training"]["dataset"] = "mnist";
  write_file_atomically(cfg, bad_data.dump());
  EXPECT_NE(testing::error_of([&] { run_train_job(cfg, {.out_dir = dir.file("r")}, out); })
                .find(": training.dataset: unknown data set \"mnist\""),
            std::string::npos);

  json wrapped = {{"model", xor_job()}, {"training", xor_job()["training"]}};
  wrapped["model"].erase("training");
  wrapped["model"]["config"]["layers"][1]["config"]["units"] = -1;
  write_file_atomically(cfg, wrapped.dump());
  EXPECT_EQ(testing::error_of([&] { run_train_job(cfg, {.out_dir = dir.file("r")}, out); }),
            cfg + ": model.config.layers[1].config.units: expected a positive number of units, found -1");

  json wrong_input = xor_job();
  wrong_input["config"]["layers"][0]["config"]["batch_input_shape"] = {nullptr, 3};
  write_file_atomically(cfg, wrong_input.dump());
  EXPECT_NE(testing::error_of([&] { run_train_job(cfg, {.out_dir = dir.file("r")}, out); })
                .find("the data's samples have shape (2,) (2 values), but model 'xor_net' takes inputs of shape (3,)"),
            std::string::npos);
}

}  // namespace
}  // namespace initlab
