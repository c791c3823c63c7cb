// Keras's compile_config: optimizer, loss and metrics.
#include <fmt/format.h>

#include <cctype>
#include <map>

#include "initlab/core/error.hpp"
#include "initlab/io/keras_model.hpp"

namespace initlab {
namespace {

// For an envelope {"class_name": ..., "config": {...}}: the class name and the config (or an empty object).
std::pair<std::string, std::optional<JsonValue>> envelope(const JsonValue& v) {
  if (v.is_string()) return {v.text(), std::nullopt};
  if (!v.is_object()) v.fail_expected("a name or a {\"class_name\": ..., \"config\": {...}} object");
  auto config = v.find("config");
  if (config) config->expect_object();
  return {v.at("class_name").text(), config};
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
  const double lr = v->number();
  if (!(lr > 0)) v->fail(fmt::format("expected a positive learning rate, found {}", lr));
  return lr;
}

}  // namespace

Optimizer keras_optimizer(const JsonValue& v) {
  const auto [name, config] = envelope(v);
  const nlohmann::json empty = nlohmann::json::object();
  const JsonValue c = config ? *config : JsonValue(empty, v.source(), v.path() + ".config");
  for (const char* k : {"clipnorm", "clipvalue", "global_clipnorm"}) require_unset(c, k, "gradient clipping");
  require_unset(c, "weight_decay", "weight decay");
  require_unset(c, "use_ema", "an exponential moving average of the weights");
  require_unset(c, "decay", "learning-rate decay");
  auto rate = [&](double keras_default) { return learning_rate_of(c, keras_default); };
  std::string id = name;
  for (auto& ch : id) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  try {
    if (id == "sgd") {
      return SGD({.learning_rate = rate(0.01), .momentum = c.number("momentum", 0.0), .nesterov = c.boolean("nesterov", false)});
    }
    if (id == "adam") {
      return Adam({.learning_rate = rate(0.001),
                   .beta_1 = c.number("beta_1", 0.9),
                   .beta_2 = c.number("beta_2", 0.999),
                   .epsilon = c.number("epsilon", 1e-7),
                   .amsgrad = c.boolean("amsgrad", false)});
    }
    if (id == "rmsprop") {
      return RMSprop({.learning_rate = rate(0.001),
                      .rho = c.number("rho", 0.9),
                      .momentum = c.number("momentum", 0.0),
                      .epsilon = c.number("epsilon", 1e-7),
                      .centered = c.boolean("centered", false)});
    }
    if (id == "adagrad") {
      return Adagrad({.learning_rate = rate(0.001),
                      .initial_accumulator_value = c.number("initial_accumulator_value", 0.1),
                      .epsilon = c.number("epsilon", 1e-7)});
    }
  } catch (const ConfigError&) {
    throw;
  } catch (const Error& e) {
    v.fail(e.what());
  }
  (v.is_string() ? v : v.at("class_name"))
      .fail(fmt::format("unknown optimizer \"{}\" (initlab has SGD, Adam, RMSprop, Adagrad)", name));
}

Loss keras_loss(const JsonValue& v) {
  if (v.is_array() || (v.is_object() && !v.has("class_name"))) {
    v.fail("initlab models have one output: give one loss, not a list or a dict");
  }
  const auto [name, config] = envelope(v);
  bool from_logits = false;
  if (config) {
    from_logits = config->boolean("from_logits", false);
    if (config->number("label_smoothing", 0.0) != 0) config->at("label_smoothing").fail("label smoothing is not implemented; expected 0");
    if (config->integer("axis", -1) != -1) config->at("axis").fail("initlab's losses reduce the last axis; expected -1");
    const std::string reduction = config->text("reduction", "sum_over_batch_size");
    if (reduction != "sum_over_batch_size" && reduction != "auto") {
      config->at("reduction").fail(fmt::format("initlab averages over the batch (\"sum_over_batch_size\"); found \"{}\"", reduction));
    }
  }
  try {
    return Loss(name, from_logits);
  } catch (const Error& e) {
    (v.is_string() ? v : v.at("class_name")).fail(e.what());
  }
}

std::vector<std::string> keras_metrics(const JsonValue& v) {
  if (v.is_null()) return {};
  if (v.is_object() && !v.has("class_name")) v.fail("initlab models have one output: give a list of metrics, not a dict");
  std::vector<std::string> out;
  const auto items = v.is_array() ? v.elements() : std::vector<JsonValue>{v};
  for (const auto& m : items) {
    if (m.is_array()) m.fail("initlab models have one output: expected a metric, found a list");
    const std::string name = envelope(m).first;
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
                            name));
    }
    out.push_back(it->second);
  }
  return out;
}

CompileSettings keras_compile_settings(const JsonValue& cc) {
  cc.expect_object();
  for (const char* k : {"loss_weights", "weighted_metrics"}) {
    if (auto v = cc.find(k)) v->fail(fmt::format("{} is not implemented by initlab; expected null", k));
  }
  CompileSettings s;
  s.optimizer = keras_optimizer(cc.at("optimizer"));
  s.loss = keras_loss(cc.at("loss"));
  if (auto m = cc.find("metrics")) s.metrics = keras_metrics(*m);
  return s;
}

}  // namespace initlab
