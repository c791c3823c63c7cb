#include "initlab/io/keras_config_writer.hpp"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <variant>

#include "initlab/core/error.hpp"
#include "initlab/nn/activation_layer.hpp"
#include "initlab/nn/batch_normalization.hpp"
#include "initlab/nn/conv2d.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/dropout.hpp"
#include "initlab/nn/normalization.hpp"
#include "initlab/nn/pooling.hpp"
#include "keras_layer_keys.hpp"

namespace initlab {
namespace {

using nlohmann::json;

// Keras 3.0–3.3 write a layer's dtype policy as its name; every later release reads it.
const char* const kDtype = "float32";

json envelope(const char* module, const std::string& class_name, json config) {
  return json{{"module", module}, {"class_name", class_name}, {"config", std::move(config)}, {"registered_name", nullptr}};
}

json pair_json(std::array<int64_t, 2> p) { return json::array({p[0], p[1]}); }

// [null, d0, d1, ...]: a shape with its unknown batch axis.
json batch_shape(const Shape& sample) {
  json out = json::array({nullptr});
  for (int64_t d : sample.dims()) out.push_back(d);
  return out;
}

// A built-in activation by its Keras name; one Keras cannot name (another slope) is refused.
std::string activation_name(const Layer& layer, const Activation& a) {
  const std::string name = a.name();
  if (Activation(name).alpha() != a.alpha()) {
    throw ValueError(fmt::format("{}: Keras has no built-in activation \"{}\" with alpha {}; only the default {} can be written",
                                 layer.label(), name, a.alpha(), Activation(name).alpha()));
  }
  return name;
}

// The layer's own initializers, by variable: what build() would use (no input shape matters
// for which initializer a variable gets; the smallest sample shape suffices).
Initializer initializer_of(const Layer& layer, const Shape& any_input, const std::string& variable) {
  for (const auto& spec : layer.weight_specs(any_input)) {
    if (spec.name == variable) return spec.initializer;
  }
  throw Error(fmt::format("{}: no variable '{}' to describe", layer.label(), variable));
}

json no_regularizer() { return nullptr; }

using ConfigWriter = std::function<json(const Layer&)>;

json dense(const Layer& l) {
  const auto& d = dynamic_cast<const Dense&>(l);
  const DenseOptions& o = d.options();
  return {{"units", d.units()},
          {"activation", activation_name(l, o.activation)},
          {"use_bias", o.use_bias},
          {"kernel_initializer", o.kernel_initializer.to_config()},
          {"bias_initializer", o.bias_initializer.to_config()},
          {"kernel_regularizer", no_regularizer()},
          {"bias_regularizer", no_regularizer()},
          {"kernel_constraint", no_regularizer()},
          {"bias_constraint", no_regularizer()}};
}

json conv2d(const Layer& l) {
  const auto& c = dynamic_cast<const Conv2D&>(l);
  const Conv2DOptions& o = c.options();
  return {{"filters", c.filters()},
          {"kernel_size", pair_json(c.kernel_size())},
          {"strides", pair_json(o.strides)},
          {"padding", o.padding},
          {"data_format", "channels_last"},
          {"dilation_rate", json::array({1, 1})},
          {"groups", 1},
          {"activation", activation_name(l, o.activation)},
          {"use_bias", o.use_bias},
          {"kernel_initializer", o.kernel_initializer.to_config()},
          {"bias_initializer", o.bias_initializer.to_config()},
          {"kernel_regularizer", no_regularizer()},
          {"bias_regularizer", no_regularizer()},
          {"activity_regularizer", no_regularizer()},
          {"kernel_constraint", no_regularizer()},
          {"bias_constraint", no_regularizer()}};
}

json pooling(const Layer& l) {
  const auto& p = dynamic_cast<const Pooling2D&>(l);
  return {{"pool_size", pair_json(p.pool_size())},
          {"padding", p.padding()},
          {"strides", pair_json(p.strides())},
          {"data_format", "channels_last"}};
}

json global_pooling(const Layer&) { return {{"data_format", "channels_last"}, {"keepdims", false}}; }

json flatten(const Layer&) { return {{"data_format", "channels_last"}}; }

json batch_normalization(const Layer& l) {
  const auto& b = dynamic_cast<const BatchNormalization&>(l);
  const Shape one{1};
  return {{"axis", -1},
          {"momentum", b.options().momentum},
          {"epsilon", b.options().epsilon},
          {"center", true},
          {"scale", true},
          {"beta_initializer", initializer_of(l, one, "beta").to_config()},
          {"gamma_initializer", initializer_of(l, one, "gamma").to_config()},
          {"moving_mean_initializer", initializer_of(l, one, "moving_mean").to_config()},
          {"moving_variance_initializer", initializer_of(l, one, "moving_variance").to_config()},
          {"beta_regularizer", no_regularizer()},
          {"gamma_regularizer", no_regularizer()},
          {"beta_constraint", no_regularizer()},
          {"gamma_constraint", no_regularizer()},
          {"synchronized", false}};
}

// initlab keys every mask by (global seed, layer name, step): no layer seed.
json dropout(const Layer& l) {
  return {{"rate", dynamic_cast<const Dropout&>(l).rate()}, {"seed", nullptr}, {"noise_shape", nullptr}};
}

json activation(const Layer& l) {
  return {{"activation", activation_name(l, dynamic_cast<const ActivationLayer&>(l).activation())}};
}

// Adapted statistics are the layer's variables (in model.weights.h5), so mean and variance stay null.
json normalization(const Layer&) {
  return {{"axis", json::array({-1})}, {"invert", false}, {"mean", nullptr}, {"variance", nullptr}};
}

const std::map<std::string, ConfigWriter>& writers() {
  static const std::map<std::string, ConfigWriter> w = {
      {"Dense", dense},
      {"Conv2D", conv2d},
      {"MaxPooling2D", pooling},
      {"AveragePooling2D", pooling},
      {"GlobalAveragePooling2D", global_pooling},
      {"Flatten", flatten},
      {"BatchNormalization", batch_normalization},
      {"Dropout", dropout},
      {"Activation", activation},
      {"Normalization", normalization},
  };
  return w;
}

// {"name", "trainable", "dtype"} and then exactly the class's Keras 3.0 keys (keras_layer_keys.hpp).
json layer_config(const Layer& layer) {
  const detail::KerasLayerKeys* keys = detail::find_keras_layer(layer.class_name());
  auto w = writers().find(layer.class_name());
  if (keys == nullptr || w == writers().end()) {
    throw ValueError(fmt::format("{}: Keras has no layer class \"{}\" that initlab can write", layer.label(), layer.class_name()));
  }
  const json own = w->second(layer);
  json config{{"name", layer.name()}, {"trainable", true}, {"dtype", kDtype}};
  for (const auto& k : keys->written) {
    auto it = own.find(k);
    if (it == own.end()) throw Error(fmt::format("keras3_model_config: {} wrote no '{}'", layer.label(), k));
    config[k] = *it;
  }
  if (own.size() != keys->written.size()) {
    throw Error(fmt::format("keras3_model_config: {} wrote keys Keras 3.0 does not know", layer.label()));
  }
  return config;
}

json input_layer(const Shape& sample) {
  return envelope("keras.layers", "InputLayer",
                  {{"batch_shape", batch_shape(sample)}, {"dtype", kDtype}, {"sparse", false}, {"name", "input_layer"}});
}

// Keras 3's default optimizer names (the `name=` default of each constructor).
struct OptimizerConfig {
  const char* class_name;
  const char* name;
  double learning_rate;
  json own;
};

OptimizerConfig optimizer_parts(const OptimizerOptions& options) {
  return std::visit(
      [](const auto& o) -> OptimizerConfig {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, SGDOptions>) {
          return {"SGD", "SGD", o.learning_rate, {{"momentum", o.momentum}, {"nesterov", o.nesterov}}};
        } else if constexpr (std::is_same_v<T, AdamOptions>) {
          return {"Adam", "adam", o.learning_rate,
                  {{"beta_1", o.beta_1}, {"beta_2", o.beta_2}, {"epsilon", o.epsilon}, {"amsgrad", o.amsgrad}}};
        } else if constexpr (std::is_same_v<T, RMSpropOptions>) {
          return {"RMSprop", "rmsprop", o.learning_rate,
                  {{"rho", o.rho}, {"momentum", o.momentum}, {"epsilon", o.epsilon}, {"centered", o.centered}}};
        } else {
          return {"Adagrad", "adagrad", o.learning_rate,
                  {{"initial_accumulator_value", o.initial_accumulator_value}, {"epsilon", o.epsilon}}};
        }
      },
      options);
}

// A loss as Keras keeps what compile() was given: a name stays a name; with
// from_logits the loss object's envelope (Loss.get_config and the loss's own keys).
json loss_config(const Loss& loss) {
  if (!loss.from_logits()) return loss.name();
  json config{{"name", loss.name()}, {"reduction", "sum_over_batch_size"}, {"from_logits", true}};
  std::string cls;
  switch (loss.kind()) {
    case Loss::Kind::kBinaryCrossentropy: cls = "BinaryCrossentropy"; break;
    case Loss::Kind::kCategoricalCrossentropy: cls = "CategoricalCrossentropy"; break;
    case Loss::Kind::kSparseCategoricalCrossentropy: cls = "SparseCategoricalCrossentropy"; break;
    case Loss::Kind::kMeanSquaredError:
      throw ValueError("mean_squared_error takes no from_logits; Keras cannot write it");
  }
  if (loss.kind() == Loss::Kind::kSparseCategoricalCrossentropy) {
    config["ignore_class"] = nullptr;
  } else {
    config["label_smoothing"] = 0.0;
    config["axis"] = -1;
  }
  return envelope("keras.losses", cls, std::move(config));
}

}  // namespace

json keras3_optimizer_config(const OptimizerImpl& optimizer) {
  OptimizerConfig parts = optimizer_parts(optimizer.options());
  // BaseOptimizer.get_config (Keras 3.0: no gradient_accumulation_steps), then the optimizer's own keys.
  json config{{"name", parts.name},
              {"learning_rate", parts.learning_rate},
              {"weight_decay", nullptr},
              {"clipnorm", nullptr},
              {"global_clipnorm", nullptr},
              {"clipvalue", nullptr},
              {"use_ema", false},
              {"ema_momentum", 0.99},
              {"ema_overwrite_frequency", nullptr},
              {"loss_scale_factor", nullptr}};
  config.update(parts.own);
  return envelope("keras.optimizers", parts.class_name, std::move(config));
}

json keras3_compile_config(const CompileSettings& compile) {
  if (!compile.optimizer) throw ValueError("keras3_compile_config: the compile settings have no optimizer");
  return json{{"optimizer", keras3_optimizer_config(*compile.optimizer)},
              {"loss", loss_config(compile.loss)},
              {"loss_weights", nullptr},
              {"metrics", compile.metrics.empty() ? json(nullptr) : json(compile.metrics)},
              {"weighted_metrics", nullptr},
              {"run_eagerly", false},
              {"steps_per_execution", 1},
              {"jit_compile", false}};
}

json keras3_model_config(const Sequential& model, const CompileSettings* compile) {
  const std::optional<Shape>& input = model.input_shape();
  std::vector<Shape> shapes;
  if (input) shapes = model.layer_shapes();
  json layers = json::array();
  if (input) layers.push_back(input_layer(*input));
  for (size_t i = 0; i < model.layers().size(); ++i) {
    const Layer& layer = *model.layers()[i];
    json entry = envelope("keras.layers", layer.class_name(), layer_config(layer));
    if (input) entry["build_config"] = {{"input_shape", batch_shape(shapes[i])}};
    layers.push_back(std::move(entry));
  }
  json config{{"name", model.name()}, {"trainable", true}, {"dtype", kDtype}, {"layers", std::move(layers)}};
  if (input) config["build_input_shape"] = batch_shape(*input);

  json out = envelope("keras", "Sequential", std::move(config));
  if (input) out["build_config"] = {{"input_shape", batch_shape(*input)}};
  if (compile != nullptr) {
    out["compile_config"] = keras3_compile_config(*compile);
  } else if (model.compiled()) {
    out["compile_config"] = keras3_compile_config(CompileSettings{model.optimizer(), model.loss(), model.metric_names()});
  } else {
    out["compile_config"] = json::object();
  }
  return out;
}

}  // namespace initlab
