// The initialization lab's HTML report, from a result built by hand: it is
// well-formed enough for a browser, escapes every string it was given, and
// embeds the whole result as JSON that reads back to the same numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/lab/init_lab.hpp"
#include "lab/svg_chart.hpp"

namespace initlab {
namespace {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const std::string kEvil = "\"<&>'evil";
const char* kDataOpen = R"(<script type="application/json" id="initlab-data">)";

Histogram histogram(double lo, double hi, std::vector<int64_t> counts) { return Histogram{lo, hi, std::move(counts)}; }

LayerStats layer(int index, double act_std, double grad_std) {
  LayerStats s;
  s.index = index;
  s.layer = index == 0 ? "dense" : "dense_" + std::to_string(index);
  s.class_name = "Dense";
  s.activation = index == 3 ? "softmax" : "relu";
  s.activation_mean = act_std * 0.4;
  s.activation_std = act_std;
  s.percentiles = {0, 0, act_std * 0.3, act_std * 1.7, act_std * 2.9};
  s.pre_activation_std = act_std * 1.41421356237;
  s.dead_fraction = index == 3 ? kNaN : 0.125 * index;
  s.pre_activation_gradient_std = grad_std;
  s.weight_gradient_std = grad_std / 3;
  s.weight_std = 0.1 / (index + 1);
  s.activations = histogram(-1.0 - 0.5 * index, 1.0 + 0.5 * index, {1, 4, 30, 4, 1});
  s.gradients = histogram(-0.01 * (index + 1), 0.01 * (index + 1), {0, 2, 36, 2, 0});
  return s;
}

// Three initializers over 4 layers: a healthy one, one with a name full of
// HTML's special characters whose signal collapses to exactly 0, and one that
// diverged with NaN statistics.
InitLabResult synthetic_result() {
  InitLabResult r;
  r.options.dataset = "spiral";
  r.options.depth = 3;
  r.options.width = 8;
  r.options.initializers = {"he_normal", kEvil, "random_normal(1.0)"};
  r.options.learning_rate = 0.0123456789012345;
  r.options.steps = 100;
  r.options.batch_size = 16;
  r.options.seed = 987654321987ull;
  r.dataset = "spiral & co (Playground, 500 points)";
  r.architecture = "2 → 3 × Dense(8, relu) → Dense(2, softmax)";

  InitLabRun he;
  he.initializer = "he_normal";
  he.description = "N(0, 2/fan_in) = N(0, 0.5²) <on dense>";
  for (int i = 0; i < 4; ++i) he.at_init.layers.push_back(layer(i, 0.8123456789 + 0.01 * i, 1.0 / 3.0 * (i + 1)));
  he.verdicts = {{Verdict::Kind::kHealthy, "", 0, "nothing wrong", {}}};
  he.eval_steps = {0, 50, 100};
  he.eval_loss = {0.6931471805599453, 0.25, 0.125};
  he.eval_accuracy = {0.5, 0.875, 0.9375};
  he.test_loss = 0.13579246801357924;
  he.test_accuracy = 0.93;
  he.seconds = 1.25;

  InitLabRun evil;
  evil.initializer = kEvil;
  evil.description = "x < y && y > \"z\"";
  for (int i = 0; i < 4; ++i) evil.at_init.layers.push_back(layer(i, i < 2 ? 1e-3 / (i + 1) : 0.0, i < 3 ? 0.0 : 1e-9));
  evil.verdicts = {{Verdict::Kind::kVanishing, "", 1e9, "the gradient falls <by> 1e9× & more", {}},
                   {Verdict::Kind::kDead, "dense_1", 0.75, "75% of dense_1's units are dead", {}},
                   {Verdict::Kind::kDead, "dense_2", 1.0, "100% of dense_2's units are dead", {}},
                   {Verdict::Kind::kSymmetric, "dense", 8, "8 identical units", {{0, 1, 2, 3, 4, 5, 6, 7}}}};
  evil.notes = {"advisor: <relu> with \"zeros\" & friends", "</script><!-- a note that tries to end the data -->"};
  evil.eval_steps = {0, 50, 100};
  evil.eval_loss = {0.69, 0.69, 0.69};
  evil.eval_accuracy = {0.5, 0.5, 0.5};
  evil.test_loss = 0.69;
  evil.test_accuracy = 0.5;
  evil.seconds = 0.5;

  InitLabRun nan_run;
  nan_run.initializer = "random_normal(1.0)";
  nan_run.description = "N(0, 1)";
  for (int i = 0; i < 4; ++i) nan_run.at_init.layers.push_back(layer(i, kNaN, kNaN));
  nan_run.at_init.layers[0].activation_std = 3.5e7;
  nan_run.verdicts = {{Verdict::Kind::kExploding, "", 1e12, "the gradient grows 1e12×", {}}};
  nan_run.eval_steps = {0, 50, 100};
  nan_run.eval_loss = {40.5, kNaN, kNaN};
  nan_run.eval_accuracy = {0.4, kNaN, kNaN};
  nan_run.test_loss = kNaN;
  nan_run.test_accuracy = kNaN;
  nan_run.diverged = true;
  nan_run.error = "loss is NaN at step 3 <non-finite>";
  nan_run.seconds = 0.1;

  r.runs = {evil, he, nan_run};
  r.ranking = {1, 0, 2};
  return r;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

struct Split {
  std::string markup;  ///< the page without the data block
  std::string data;    ///< the JSON text
};

Split split(const std::string& html) {
  const size_t open = html.find(kDataOpen);
  EXPECT_NE(open, std::string::npos);
  const size_t begin = open + std::string(kDataOpen).size();
  const size_t end = html.find("</script>", begin);
  EXPECT_NE(end, std::string::npos);
  return {html.substr(0, open) + html.substr(end), html.substr(begin, end - begin)};
}

TEST(InitLabReport, IsOneWellFormedPage) {
  const std::string html = init_lab_report_html(synthetic_result());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(html, "<svg "), count(html, "</svg>"));
  EXPECT_GE(count(html, "<svg "), 5u + 6u);  // 5 line charts, 2 × 3 heatmaps
  EXPECT_EQ(count(html, "<script"), 1u);     // only the data; nothing to run, nothing fetched
  EXPECT_EQ(count(html, "http://"), count(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (const char* section : {"id=\"setup\"", "id=\"ranking\"", "id=\"signal\"", "id=\"histograms\"",
                              "id=\"training\"", "id=\"runs\""}) {
    EXPECT_NE(html.find(section), std::string::npos) << section;
  }
}

TEST(InitLabReport, EscapesEveryStringFromTheData) {
  const Split page = split(init_lab_report_html(synthetic_result()));
  const std::string& m = page.markup;
  EXPECT_EQ(m.find("\"<&>"), std::string::npos);
  EXPECT_EQ(m.find("<by>"), std::string::npos);
  EXPECT_EQ(m.find("<relu>"), std::string::npos);
  EXPECT_EQ(m.find("<on dense>"), std::string::npos);
  EXPECT_EQ(m.find("<!-- a note"), std::string::npos);
  EXPECT_NE(m.find("&quot;&lt;&amp;&gt;&#39;evil"), std::string::npos);
  EXPECT_NE(m.find("spiral &amp; co"), std::string::npos);
  // Every & outside the data starts an entity, and every < starts a tag.
  const std::regex entity(R"(^&(amp|lt|gt|quot|#39);)");
  for (size_t p = m.find('&'); p != std::string::npos; p = m.find('&', p + 1)) {
    ASSERT_TRUE(std::regex_search(m.substr(p, 8), entity)) << m.substr(p, 40);
  }
  for (size_t p = m.find('<'); p != std::string::npos; p = m.find('<', p + 1)) {
    const char c = m[p + 1];
    ASSERT_TRUE(std::isalpha(static_cast<unsigned char>(c)) || c == '/' || c == '!') << m.substr(p, 40);
  }
}

TEST(InitLabReport, EmbedsTheResultAsJsonThatReadsBack) {
  const InitLabResult r = synthetic_result();
  const Split page = split(init_lab_report_html(r));
  EXPECT_EQ(page.data.find("</"), std::string::npos);
  EXPECT_EQ(page.data.find("<!--"), std::string::npos);
  const json j = json::parse(page.data);

  EXPECT_EQ(j.at("dataset"), r.dataset);
  EXPECT_EQ(j.at("architecture"), r.architecture);
  EXPECT_EQ(j.at("options").at("seed").get<uint64_t>(), r.options.seed);
  EXPECT_EQ(j.at("options").at("learning_rate").get<double>(), r.options.learning_rate);
  EXPECT_EQ(j.at("ranking"), json({1, 0, 2}));
  ASSERT_EQ(j.at("runs").size(), r.runs.size());
  for (size_t k = 0; k < r.runs.size(); ++k) {
    const InitLabRun& run = r.runs[k];
    const json& jr = j.at("runs")[k];
    EXPECT_EQ(jr.at("initializer"), run.initializer);
    EXPECT_EQ(jr.at("description"), run.description);
    EXPECT_EQ(jr.at("notes"), json(run.notes));
    EXPECT_EQ(jr.at("diverged"), run.diverged);
    EXPECT_EQ(jr.at("error"), run.error);
    EXPECT_EQ(jr.at("verdicts").size(), run.verdicts.size());
    EXPECT_EQ(jr.at("verdicts")[0].at("message"), run.verdicts[0].message);
    ASSERT_EQ(jr.at("at_init").at("layers").size(), run.at_init.layers.size());
    for (size_t i = 0; i < run.at_init.layers.size(); ++i) {
      const LayerStats& s = run.at_init.layers[i];
      const json& jl = jr.at("at_init").at("layers")[i];
      EXPECT_EQ(jl.at("layer"), s.layer);
      // Every number reads back to the same bits; NaN is null.
      auto same = [&](const char* key, double v) {
        if (std::isnan(v)) {
          EXPECT_TRUE(jl.at(key).is_null()) << run.initializer << " " << s.layer << " " << key;
        } else {
          EXPECT_EQ(jl.at(key).get<double>(), v) << run.initializer << " " << s.layer << " " << key;
        }
      };
      same("activation_std", s.activation_std);
      same("activation_mean", s.activation_mean);
      same("pre_activation_std", s.pre_activation_std);
      same("dead_fraction", s.dead_fraction);
      same("pre_activation_gradient_std", s.pre_activation_gradient_std);
      same("weight_gradient_std", s.weight_gradient_std);
      EXPECT_EQ(jl.at("activations").at("counts"), json(s.activations.counts));
      EXPECT_EQ(jl.at("gradients").at("hi").get<double>(), s.gradients.hi);
    }
    for (size_t e = 0; e < run.eval_loss.size(); ++e) {
      const json& v = jr.at("eval_loss")[e];
      if (std::isnan(run.eval_loss[e])) {
        EXPECT_TRUE(v.is_null());
      } else {
        EXPECT_EQ(v.get<double>(), run.eval_loss[e]);
      }
    }
  }
  EXPECT_EQ(j.at("runs")[0].at("verdicts")[3].at("kind"), "symmetric");
  EXPECT_EQ(j.at("runs")[0].at("verdicts")[3].at("unit_groups")[0].size(), 8u);
  EXPECT_EQ(j.at("runs")[1].at("test_loss").get<double>(), 0.13579246801357924);
  EXPECT_TRUE(j.at("runs")[2].at("test_accuracy").is_null());
  EXPECT_EQ(j.at("runs")[1].at("at_init").at("layers")[0].at("activation_std").get<double>(), 0.8123456789);
}

TEST(InitLabReport, TableFollowsTheRankingAndMarksTheDivergedRun) {
  const std::string html = init_lab_report_html(synthetic_result());
  const size_t begin = html.find("<table class=\"ranking\"");
  const std::string table = html.substr(begin, html.find("</table>", begin) - begin);
  const size_t he = table.find("he_normal"), evil = table.find("&quot;&lt;&amp;&gt;"),
               nan_run = table.find("random_normal(1.0)");
  ASSERT_NE(he, std::string::npos);
  ASSERT_NE(evil, std::string::npos);
  ASSERT_NE(nan_run, std::string::npos);
  EXPECT_LT(he, evil);
  EXPECT_LT(evil, nan_run);
  EXPECT_NE(table.find("loss is NaN at step 3 &lt;non-finite&gt;"), std::string::npos);
  EXPECT_NE(table.find("chip chip-diverged"), std::string::npos);
  EXPECT_NE(table.find(">93.00%<"), std::string::npos);
  // Two dead layers make one chip with a count; the tooltip has both messages.
  EXPECT_NE(table.find(">dead ×2</span>"), std::string::npos);
  EXPECT_NE(table.find("75% of dense_1&#39;s units are dead\n100% of dense_2"), std::string::npos);
}

TEST(InitLabReport, DrawsZerosAtTheLogAxisFloorAndSkipsNaN) {
  const std::string html = init_lab_report_html(synthetic_result());
  EXPECT_NE(html.find("dense_2 (layer 2, Dense): exactly 0 (drawn at the axis floor"), std::string::npos);
  EXPECT_NE(html.find("exactly 0, at the floor"), std::string::npos);  // the legend says so
  // The diverged run's only finite activation std is drawn; its NaN layers are not.
  EXPECT_NE(html.find("random_normal(1.0) — dense (layer 0, Dense): 3.50e+07"), std::string::npos);
  EXPECT_EQ(html.find("random_normal(1.0) — dense_1 (layer 1"), std::string::npos);
}

TEST(InitLabReport, HeatmapRowsNameTheirLayerAndBinRange) {
  const std::string html = init_lab_report_html(synthetic_result());
  EXPECT_NE(html.find(">-2.5 … 2.5</text>"), std::string::npos);        // dense_3's activation range
  EXPECT_NE(html.find(">-0.04 … 0.04</text>"), std::string::npos);      // dense_3's gradient range
  EXPECT_NE(html.find("dense_3: a in [-0.5, 0.5]: 75.00% (30 of 40)"), std::string::npos);
}

TEST(SvgChart, HeatColourGrowsWithTheFraction) {
  EXPECT_EQ(svg::heat_color(0), "#ffffff");
  EXPECT_NE(svg::heat_color(0.01), svg::heat_color(0.05));
  EXPECT_EQ(svg::heat_color(1), "#08306b");
  EXPECT_EQ(svg::escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
}

struct TempDir {
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("initlab-report-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

TEST(InitLabReport, WritesTheFileAtomically) {
  TempDir dir;
  const std::string path = (dir.path / "report.html").string();
  write_file_atomically(path, "an older report");
  const InitLabResult r = synthetic_result();
  write_init_lab_report(r, path);
  EXPECT_EQ(read_file(path), init_lab_report_html(r));
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path)) ++files;
  EXPECT_EQ(files, 1u);  // no temporary file left beside it
}

TEST(InitLabReport, MissingDirectoryIsAnIoErrorNamingThePath) {
  TempDir dir;
  const std::string path = (dir.path / "no_such_dir" / "report.html").string();
  try {
    write_init_lab_report(synthetic_result(), path);
    FAIL() << "expected an IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace initlab
