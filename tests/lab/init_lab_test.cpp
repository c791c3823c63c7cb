// The initialization lab end to end on a tiny run: the printed tables, the
// report read back from disk, and the same numbers on a second run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>

#include "initlab/core/error.hpp"
#include "initlab/lab/init_lab.hpp"

namespace initlab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

InitLabOptions tiny(const std::string& report) {
  InitLabOptions o;
  o.dataset = "spiral";
  o.activation = "tanh";
  o.depth = 3;
  o.width = 8;
  o.initializers = {"zeros", "random_normal(0.05)", "glorot_uniform", "he_normal", "lsuv"};
  o.steps = 30;
  o.batch_size = 16;
  o.evaluations = 4;
  o.eval_samples = 200;
  o.histogram_bins = 9;
  o.seed = 77;
  o.report = report;
  o.progress = false;
  return o;
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

json embedded_data(const std::string& html) {
  const std::string open = R"(<script type="application/json" id="initlab-data">)";
  const size_t b = html.find(open);
  EXPECT_NE(b, std::string::npos);
  const size_t begin = b + open.size();
  return json::parse(html.substr(begin, html.find("</script>", begin) - begin));
}

TEST(InitLab, TinyRunPrintsRanksAndWritesAReportWithEveryInitializerAndLayer) {
  const fs::path dir = fs::temp_directory_path() / ("initlab_lab_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path report = dir / "report.html";
  std::ostringstream out;
  const InitLabResult r = run_init_lab(tiny(report.string()), out);
  const std::string text = out.str();

  ASSERT_EQ(r.runs.size(), 5u);
  EXPECT_EQ(r.architecture, "2 → 3 × Dense(8, tanh) → Dense(2, softmax)");
  const std::vector<std::string> layers = {"dense", "dense_1", "dense_2", "dense_3"};
  for (const auto& run : r.runs) {
    ASSERT_EQ(run.at_init.layers.size(), layers.size()) << run.initializer;
    for (size_t i = 0; i < layers.size(); ++i) EXPECT_EQ(run.at_init.layers[i].layer, layers[i]);
    EXPECT_EQ(run.eval_steps, (std::vector<int64_t>{0, 10, 20, 30})) << run.initializer;
    EXPECT_FALSE(run.diverged) << run.error;
    EXPECT_NE(text.find("] " + run.initializer + " — "), std::string::npos) << run.initializer;
  }
  // Zeros: every hidden layer symmetric, flagged by the advisor too.
  const InitLabRun& zeros = r.runs[0];
  int symmetric = 0;
  for (const auto& v : zeros.verdicts) symmetric += v.kind == Verdict::Kind::kSymmetric;
  EXPECT_EQ(symmetric, 3);
  EXPECT_NE(zeros.notes.at(0).find("[constant-kernel]"), std::string::npos) << zeros.notes.at(0);
  // LSUV reports each of its 4 layers.
  int lsuv_lines = 0;
  for (const auto& n : r.runs[4].notes) lsuv_lines += n.rfind("LSUV '", 0) == 0;
  EXPECT_EQ(lsuv_lines, 4);
  // The ranking is a permutation, best test accuracy first, and printed as such.
  ASSERT_EQ(std::set<size_t>(r.ranking.begin(), r.ranking.end()).size(), r.runs.size());
  for (size_t i = 1; i < r.ranking.size(); ++i) {
    EXPECT_GE(r.runs[r.ranking[i - 1]].test_accuracy, r.runs[r.ranking[i]].test_accuracy);
  }
  const size_t table = text.find("rank  initializer");
  ASSERT_NE(table, std::string::npos);
  EXPECT_NE(text.find("   1  " + r.runs[r.ranking[0]].initializer, table), std::string::npos);

  // The report on disk: every initializer and every layer, numbers as in the result.
  const std::string html = read(report);
  const json j = embedded_data(html);
  ASSERT_EQ(j.at("runs").size(), r.runs.size());
  for (size_t k = 0; k < r.runs.size(); ++k) {
    const json& jr = j.at("runs")[k];
    EXPECT_EQ(jr.at("initializer"), r.runs[k].initializer);
    EXPECT_NE(html.find(r.runs[k].initializer), std::string::npos);
    ASSERT_EQ(jr.at("at_init").at("layers").size(), layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
      EXPECT_EQ(jr.at("at_init").at("layers")[i].at("layer"), layers[i]);
      EXPECT_EQ(jr.at("at_init").at("layers")[i].at("activation_std").get<double>(),
                r.runs[k].at_init.layers[i].activation_std);
    }
    EXPECT_EQ(jr.at("test_accuracy").get<double>(), r.runs[k].test_accuracy);
  }
  for (const auto& l : layers) EXPECT_NE(html.find(l), std::string::npos) << l;
  // zeros: two symmetric layers told, the third folded away.
  EXPECT_NE(html.find("… and 1 more layer symmetric ('dense_2')"), std::string::npos);

  // Same seed, same everything.
  std::ostringstream again;
  InitLabOptions o2 = tiny("");
  const InitLabResult r2 = run_init_lab(o2, again);
  for (size_t k = 0; k < r.runs.size(); ++k) {
    EXPECT_EQ(r2.runs[k].test_loss, r.runs[k].test_loss) << r.runs[k].initializer;
    EXPECT_EQ(r2.runs[k].eval_loss, r.runs[k].eval_loss) << r.runs[k].initializer;
  }
  fs::remove_all(dir);
}

TEST(InitLab, BadOptionsFailBeforeAnyWork) {
  std::ostringstream out;
  InitLabOptions o = tiny("");
  o.initializers = {"he_normal", "he_nromal"};
  EXPECT_THROW(run_init_lab(o, out), ConfigError);
  EXPECT_TRUE(out.str().empty());
  o = tiny("");
  o.dataset = "reg-plane";
  try {
    run_init_lab(o, out);
    FAIL() << "a regression set was accepted";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("regression"), std::string::npos) << e.what();
  }
  o = tiny("");
  o.initializers = {"glorot_normal(2)"};
  try {
    run_init_lab(o, out);
    FAIL() << "an unsupported shorthand was accepted";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("shorthand"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace initlab
