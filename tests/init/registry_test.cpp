// Names, aliases, configs and their errors.
#include <gtest/gtest.h>

#include "test_util.hpp"

#include <nlohmann/json.hpp>

#include "initlab/core/error.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/init/initializer.hpp"
#include "initlab/init/registry.hpp"

namespace initlab {
namespace {

using nlohmann::json;

using initlab::testing::error_of;

TEST(Registry, EveryIdClassNameAndAliasResolves) {
  for (const auto& e : initializer_catalogue()) {
    std::vector<std::string> names = {e.id, e.class_name};
    names.insert(names.end(), e.aliases.begin(), e.aliases.end());
    for (const auto& n : names) {
      const InitializerInfo* found = find_initializer(n);
      ASSERT_NE(found, nullptr) << n;
      EXPECT_EQ(found->id, e.id) << n;
      if (e.id != "sparse") {
        EXPECT_EQ(Initializer(n).id(), e.id) << n;
      }
    }
  }
}

TEST(Registry, KerasNamesAndAliases) {
  const std::vector<std::pair<std::string, std::string>> keras = {
      {"zero", "zeros"},       {"one", "ones"},
      {"normal", "random_normal"}, {"uniform", "random_uniform"},
      {"OrthogonalInitializer", "orthogonal"}, {"IdentityInitializer", "identity"},
      {"GlorotUniform", "glorot_uniform"},     {"HeNormal", "he_normal"},
      {"LecunNormal", "lecun_normal"},         {"VarianceScaling", "variance_scaling"},
      {"kaiming_normal_", "kaiming_normal"},   {"xavier_uniform_", "xavier_uniform"}};
  for (const auto& [name, id] : keras) EXPECT_EQ(Initializer(name).id(), id) << name;
}

TEST(Registry, KerasDefaults) {
  EXPECT_EQ(Initializer("random_normal").to_config()["config"], (json{{"seed", nullptr}, {"mean", 0.0}, {"stddev", 0.05}}));
  EXPECT_EQ(Initializer("random_uniform").to_config()["config"],
            (json{{"seed", nullptr}, {"minval", -0.05}, {"maxval", 0.05}}));
  EXPECT_EQ(Initializer("variance_scaling").to_config()["config"],
            (json{{"seed", nullptr}, {"scale", 1.0}, {"mode", "fan_in"}, {"distribution", "truncated_normal"}}));
  EXPECT_EQ(Initializer("orthogonal").to_config()["config"], (json{{"seed", nullptr}, {"gain", 1.0}}));
  EXPECT_EQ(Initializer("he_normal").to_config(), (json{{"module", "keras.initializers"},
                                                        {"class_name", "HeNormal"},
                                                        {"config", {{"seed", nullptr}}},
                                                        {"registered_name", nullptr}}));
  EXPECT_EQ(Initializer("kaiming_uniform").to_config()["config"],
            (json{{"seed", nullptr}, {"a", 0.0}, {"mode", "fan_in"}, {"nonlinearity", "leaky_relu"}}));
  // Keras's legacy "normal" distribution is the truncated one.
  const auto legacy = Initializer::from_config(
      {{"class_name", "VarianceScaling"}, {"config", {{"distribution", "normal"}}}});
  EXPECT_EQ(legacy.to_config()["config"]["distribution"], "truncated_normal");
}

TEST(Registry, ConfigsRoundTripWithIdenticalValues) {
  set_seed(2);
  for (const auto& e : initializer_catalogue()) {
    json cfg = e.id == "sparse" ? json{{"class_name", "Sparse"}, {"config", {{"sparsity", 0.25}}}} : json(e.id);
    const Initializer a = Initializer::from_config(cfg);
    const Initializer b = Initializer::from_config(a.to_config());
    EXPECT_EQ(a.to_config(), b.to_config()) << e.id;
    const Shape s = (e.id == "dirac" || e.id == "delta_orthogonal") ? Shape{3, 3, 4, 8} : Shape{12, 8};
    const Tensor ta = a(s, "rt/kernel"), tb = b(s, "rt/kernel");
    for (int64_t i = 0; i < ta.size(); ++i) ASSERT_EQ(ta[i], tb[i]) << e.id;
  }
  // Through JSON text as well.
  const auto p = Initializer::parse(R"({"class_name": "HeNormal", "config": {"seed": 7}})");
  EXPECT_EQ(p.seed(), 7u);
  EXPECT_EQ(Initializer::parse(p.to_config().dump()).to_config(), p.to_config());
}

TEST(Registry, UnknownIdListsValidIdsAndSuggestsTheClosest) {
  const std::string msg = error_of([] { Initializer("he_nromal"); });
  EXPECT_NE(msg.find("unknown initializer 'he_nromal'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'he_normal'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("glorot_uniform"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { Initializer("GlorotUnifrom"); }).find("did you mean 'glorot_uniform'"), std::string::npos);
}

TEST(Registry, BadConfigsSayWhatAndWhere) {
  auto expect_error = [](const json& cfg, const std::string& fragment) {
    const std::string msg = error_of([&] { Initializer::from_config(cfg); });
    EXPECT_NE(msg.find(fragment), std::string::npos) << "config " << cfg.dump() << " gave: " << msg;
  };
  expect_error({{"class_name", "RandomNormal"}, {"config", {{"stddev", "big"}}}},
               "RandomNormal: config.stddev: expected a number, got \"big\"");
  expect_error({{"class_name", "RandomNormal"}, {"config", {{"stdev", 0.1}}}}, "unknown field 'stdev'");
  expect_error({{"class_name", "HeNormal"}, {"config", {{"seed", -3}}}}, "config.seed: expected null or a non-negative integer");
  expect_error({{"class_name", "HeNormal"}, {"config", {{"seed", 1.5}}}}, "config.seed");
  expect_error({{"class_name", "VarianceScaling"}, {"config", {{"scale", 0}}}}, "config.scale: expected a positive number");
  expect_error({{"class_name", "VarianceScaling"}, {"config", {{"mode", "fan_sum"}}}}, "fan_in, fan_out, fan_avg");
  expect_error({{"class_name", "VarianceScaling"}, {"config", {{"distribution", "cauchy"}}}},
               "config.distribution: expected one of uniform, truncated_normal, untruncated_normal");
  expect_error({{"config", {{"seed", 1}}}}, "expected a string field 'class_name'");
  expect_error({{"class_name", "HeNormal"}, {"config", 5}}, "field 'config' must be an object");
  expect_error({{"class_name", "HeNormal"}, {"confg", {}}}, "unknown field 'confg'");
  expect_error(json(42), "expected a string id or a");
  expect_error({{"class_name", "KaimingNormal"}, {"config", {{"nonlinearity", "swish"}}}}, "unsupported nonlinearity 'swish'");
  expect_error({{"class_name", "KaimingNormal"}, {"config", {{"mode", "fan_avg"}}}}, "fan_in or fan_out");
  expect_error({{"class_name", "RandomUniform"}, {"config", {{"minval", 1}, {"maxval", 0}}}}, "minval < maxval");
  expect_error({{"class_name", "Sparse"}, {"config", json::object()}}, "config.sparsity is required");
  expect_error({{"class_name", "GlorotUniform"}, {"config", {{"input_axes", {0}}}}}, "must be given together");
  EXPECT_THROW(Initializer::parse("{not json"), ConfigError);
}

TEST(Registry, CallablesAreInitializersToo) {
  set_seed(4);
  // A custom N(0, 0.01²), drawing from the stream initlab hands it.
  const auto small = Initializer::from_callable("small_normal", [](Tensor& t, const RandomStream& s) {
    s.fill_normal(t.values(), 0.0f, 0.01f);
  });
  const Tensor a = small(Shape{100, 100}, "dense/kernel");
  const Tensor b = Initializer::from_config({{"class_name", "RandomNormal"}, {"config", {{"stddev", 0.01}}}})(
      Shape{100, 100}, "dense/kernel");
  for (int64_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]);  // same stream, same draw
  EXPECT_EQ(small.to_config()["class_name"], "small_normal");
  // Registered, it round-trips through its config.
  register_initializer({"small_normal", "small_normal", {}, "custom", "N(0, 0.01²)",
                        [small](const json&) { return small.shared_impl(); }});
  const Tensor c = Initializer::from_config(small.to_config())(Shape{100, 100}, "dense/kernel");
  for (int64_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], c[i]);
}

}  // namespace
}  // namespace initlab
