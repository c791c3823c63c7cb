// Keras's compile_config: optimizer, loss and metrics.
#include <fmt/format.h>

#include <cctype>
#include <map>

#include "initlab/core/error.hpp"
#include "initlab/core/suggest.hpp"
#include "initlab/io/keras_model.hpp"

namespace initlab {
namespace {

// For an envelope {"class_name": ..., "config": {...}}: the class name and the config (or an empty object).
std::pair<std::string, std::optional<JsonValue>> envelope(const JsonValue& v) {
  if (v.is_string()) return {v.text(), std::nullopt};
  if (!v.is_object()) v.fail_expected("a name or a {\"class_name\": ..., \"config\": {...}} object");
  v.check_keys({"module", "class_name", "config", "registered_name", "shared_object_id"}, "an object envelope");
  auto config = v.find("config");
  if (config) config->expect_object();
  return {v.at("class_name").text(), config};
}

// What every Keras optimizer's get_config() writes (Keras 3 BaseOptimizer;
// tf-keras 2.11+ adds jit_compile and is_legacy_optimizer; "lr" and "decay"
// are Keras 2's), before the optimizer's own keys.
const std::vector<std::string>& base_optimizer_keys() {
  static const std::vector<std::string> keys = {
      "name", "learning_rate", "lr", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
      "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "jit_compile",
      "is_legacy_optimizer", "decay"};
  return keys;
}

void check_optimizer_keys(const JsonValue& c, const std::string& cls, std::initializer_list<const char*> own) {
  std::vector<std::string> keys = base_optimizer_keys();
  for (const char* k : own) keys.emplace_back(k);
  c.check_keys(keys, fmt::format("{}'s config", cls));
}

// A member that must be null or `neutral` (an integer) when present.
void require_null_or(const JsonValue& c, const std::string& key, int64_t neutral, const std::string& what) {
  auto v = c.find(key);
  if (!v) return;
  if (v->json().is_number() && v->json() == neutral) return;
  v->fail(fmt::format("{} is not implemented by initlab; expected null or {}", what, neutral));
}

void require_unset(const JsonValue& c, const std::string& key, const std::string& what) {
  auto v = c.find(key);
  if (!v) return;
  if (v->json().is_number() && v->number() == 0) return;
  if (v->json().is_boolean() && !v->boolean()) return;
  v->fail(fmt::format("{} is not implemented by initlab; expected null", what));
}

double learning_rate_of(const JsonValue& c, double fallback) {
  // tf-keras 2.x before 2.11 wrote "lr".
  auto v = c.find("learning_rate");
  if (!v) v = c.find("lr");
  if (!v) return fallback;
  if (v->is_object()) v->fail("learning-rate schedules are not implemented; give a number");
  const double lr = v->float32();
  if (!(lr > 0)) v->fail(fmt::format("expected a positive learning rate, found {}", lr));
  return lr;
}

}  // namespace

Optimizer keras_optimizer(const JsonValue& v) {
  const auto [name, config] = envelope(v);
  const nlohmann::json empty = nlohmann::json::object();
  const JsonValue c = config ? *config : JsonValue(empty, v.source(), v.path() + ".config");
  std::string id = name;
  for (auto& ch : id) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  static const std::vector<std::string> known = {"SGD", "Adam", "RMSprop", "Adagrad"};
  if (id != "sgd" && id != "adam" && id != "rmsprop" && id != "adagrad") {
    (v.is_string() ? v : v.at("class_name"))
        .fail(fmt::format("unknown optimizer \"{}\"{} (initlab has SGD, Adam, RMSprop, Adagrad)", text_excerpt(name),
                          did_you_mean(name, known)));
  }
  if (id == "sgd") check_optimizer_keys(c, "SGD", {"momentum", "nesterov"});
  if (id == "adam") check_optimizer_keys(c, "Adam", {"beta_1", "beta_2", "epsilon", "amsgrad"});
  if (id == "rmsprop") check_optimizer_keys(c, "RMSprop", {"rho", "momentum", "epsilon", "centered"});
  if (id == "adagrad") check_optimizer_keys(c, "Adagrad", {"initial_accumulator_value", "epsilon"});
  for (const char* k : {"clipnorm", "clipvalue", "global_clipnorm"}) require_unset(c, k, "gradient clipping");
  require_unset(c, "weight_decay", "weight decay");
  require_unset(c, "use_ema", "an exponential moving average of the weights");
  require_unset(c, "decay", "learning-rate decay");
  require_null_or(c, "gradient_accumulation_steps", 1, "gradient accumulation");
  require_null_or(c, "loss_scale_factor", 1, "loss scaling");
  // Metadata: the optimizer's name, whether Keras compiled it with XLA, and
  // which tf-keras optimizer class wrote it (the update equations are the same).
  c.text("name", "");
  for (const char* k : {"jit_compile", "is_legacy_optimizer"}) c.boolean(k, false);
  auto rate = [&](double keras_default) { return learning_rate_of(c, keras_default); };
  try {
    if (id == "sgd") {
      return SGD({.learning_rate = rate(0.01), .momentum = c.float32("momentum", 0.0), .nesterov = c.boolean("nesterov", false)});
    }
    if (id == "adam") {
      return Adam({.learning_rate = rate(0.001),
                   .beta_1 = c.float32("beta_1", 0.9),
                   .beta_2 = c.float32("beta_2", 0.999),
                   .epsilon = c.float32("epsilon", 1e-7),
                   .amsgrad = c.boolean("amsgrad", false)});
    }
    if (id == "rmsprop") {
      return RMSprop({.learning_rate = rate(0.001),
                      .rho = c.float32("rho", 0.9),
                      .momentum = c.float32("momentum", 0.0),
                      .epsilon = c.float32("epsilon", 1e-7),
                      .centered = c.boolean("centered", false)});
    }
    return Adagrad({.learning_rate = rate(0.001),
                    .initial_accumulator_value = c.float32("initial_accumulator_value", 0.1),
                    .epsilon = c.float32("epsilon", 1e-7)});
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    v.fail(e.what());
  }
}

Loss keras_loss(const JsonValue& v) {
  if (v.is_array() || (v.is_object() && !v.has("class_name"))) {
    v.fail("initlab models have one output: give one loss, not a list or a dict");
  }
  const auto [name, config] = envelope(v);
  Loss::Kind kind{};
  try {
    kind = Loss(name).kind();
  } catch (const Error& e) {
    (v.is_string() ? v : v.at("class_name")).fail(text_excerpt(e.what(), 400));
  }
  bool from_logits = false;
  if (config) {
    // Loss.get_config (name, reduction, dtype) and each loss's own keys.
    std::vector<std::string> keys = {"name", "reduction", "dtype"};
    if (kind != Loss::Kind::kMeanSquaredError) {
      keys.insert(keys.end(), {"from_logits", "axis"});
      keys.push_back(kind == Loss::Kind::kSparseCategoricalCrossentropy ? "ignore_class" : "label_smoothing");
    }
    config->check_keys(keys, fmt::format("the {} loss's config", text_excerpt(name)));
    from_logits = config->boolean("from_logits", false);
    config->text("name", "");
    if (config->number("label_smoothing", 0.0) != 0) config->at("label_smoothing").fail("label smoothing is not implemented; expected 0");
    if (config->integer("axis", -1) != -1) config->at("axis").fail("initlab's losses reduce the last axis; expected -1");
    if (config->has("ignore_class")) config->at("ignore_class").fail("ignore_class is not implemented; expected null");
    if (config->text("dtype", "float32") != "float32") {
      config->at("dtype").fail(fmt::format("initlab computes in float32; found \"{}\"", text_excerpt(config->text("dtype", ""))));
    }
    const std::string reduction = config->text("reduction", "sum_over_batch_size");
    if (reduction != "sum_over_batch_size" && reduction != "auto") {
      config->at("reduction").fail(fmt::format("initlab averages over the batch (\"sum_over_batch_size\"); found \"{}\"",
                                               text_excerpt(reduction)));
    }
  }
  return Loss(kind, from_logits);
}

std::vector<std::string> keras_metrics(const JsonValue& v) {
  if (v.is_null()) return {};
  if (v.is_object() && !v.has("class_name")) v.fail("initlab models have one output: give a list of metrics, not a dict");
  std::vector<std::string> out;
  const auto items = v.is_array() ? v.elements() : std::vector<JsonValue>{v};
  for (const auto& m : items) {
    if (m.is_array()) m.fail("initlab models have one output: expected a metric, found a list");
    const auto [name, config] = envelope(m);
    if (config) {
      // MeanMetricWrapper's config; BinaryAccuracy adds its threshold.
      config->check_keys({"name", "dtype", "threshold"}, fmt::format("the {} metric's config", text_excerpt(name)));
      config->text("name", "");
      if (config->number("threshold", 0.5) != 0.5) config->at("threshold").fail("initlab's binary accuracy thresholds at 0.5; expected 0.5");
    }
    static const std::map<std::string, std::string> known = {
        {"accuracy", "accuracy"},
        {"acc", "accuracy"},
        {"Accuracy", "accuracy"},
        {"binary_accuracy", "binary_accuracy"},
        {"BinaryAccuracy", "binary_accuracy"},
        {"categorical_accuracy", "categorical_accuracy"},
        {"CategoricalAccuracy", "categorical_accuracy"},
        {"sparse_categorical_accuracy", "sparse_categorical_accuracy"},
        {"SparseCategoricalAccuracy", "sparse_categorical_accuracy"},
    };
    auto it = known.find(name);
    if (it == known.end()) {
      (m.is_string() ? m : m.at("class_name"))
          .fail(fmt::format("unknown metric \"{}\" (initlab has accuracy, binary_accuracy, categorical_accuracy, "
                            "sparse_categorical_accuracy)",
                            text_excerpt(name)));
    }
    out.push_back(it->second);
  }
  return out;
}

CompileSettings keras_compile_settings(const JsonValue& cc) {
  cc.expect_object();
  // Keras 3's Trainer.compile() stores these (auto_scale_loss in newer versions).
  cc.check_keys({"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly", "steps_per_execution",
                 "jit_compile", "auto_scale_loss"},
                "compile_config");
  cc.boolean("run_eagerly", false);
  cc.boolean("auto_scale_loss", true);
  cc.integer_in("steps_per_execution", 1, 1, INT64_MAX);
  if (auto j = cc.find("jit_compile"); j && !(j->json().is_boolean() || j->json() == "auto")) j->fail_expected("true, false or \"auto\"");
  for (const char* k : {"loss_weights", "weighted_metrics"}) {
    if (auto v = cc.find(k)) v->fail(fmt::format("{} is not implemented by initlab; expected null", k));
  }
  CompileSettings s;
  s.optimizer = keras_optimizer(cc.at("optimizer"));
  s.loss = keras_loss(cc.at("loss"));
  if (auto m = cc.find("metrics")) s.metrics = keras_metrics(*m);
  return s;
}

CompileSettings keras_training_config_settings(const JsonValue& tc) {
  tc.expect_object();
  tc.check_keys({"loss", "metrics", "weighted_metrics", "loss_weights", "sample_weight_mode", "optimizer_config"},
                "training_config");
  for (const char* k : {"loss_weights", "weighted_metrics", "sample_weight_mode"}) {
    if (auto v = tc.find(k); v && !v->json().is_null()) v->fail(fmt::format("{} is not implemented by initlab; expected null", k));
  }
  CompileSettings s;
  s.optimizer = keras_optimizer(tc.at("optimizer_config"));
  s.loss = keras_loss(tc.at("loss"));
  if (auto m = tc.find("metrics"); m && !m->json().is_null()) {
    // tf-keras 2.x writes one list per output ([["accuracy"]]) and metric
    // objects as MeanMetricWrapper envelopes named by what compile() was given.
    JsonValue list = *m;
    if (list.is_array() && list.elements().size() == 1 && list[0].is_array()) list = list[0];
    nlohmann::json names = nlohmann::json::array();
    for (const JsonValue& e : list.is_array() ? list.elements() : std::vector<JsonValue>{list}) {
      if (e.is_object() && e.has("class_name") && e.at("class_name").text() == "MeanMetricWrapper") {
        names.push_back(e.at("config").text("name", "accuracy"));
      } else {
        names.push_back(e.json());
      }
    }
    s.metrics = keras_metrics(JsonValue(names, m->source(), m->path()));
  }
  return s;
}

}  // namespace initlab
