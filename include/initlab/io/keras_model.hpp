// Keras model files: a Sequential from the JSON that Keras writes
// (`model.to_json()`, the `config.json` of a `.keras` archive), in every
// dialect initlab knows:
//
//   Keras 3       {"module": "keras", "class_name": "Sequential", "config": {"layers": [...]},
//                  "build_config": ..., "compile_config": ...}
//   tf-keras 2.x  {"class_name": "Sequential", "config": {"name": ..., "layers": [...]},
//                  "keras_version": "2.15.0", "backend": "tensorflow"}
//                 (layer entries new-style envelopes from 2.13, {"class_name", "config"} before)
//
// Layers: InputLayer, Dense, Conv2D, MaxPooling2D, AveragePooling2D,
// GlobalAveragePooling2D, Flatten, BatchNormalization, Dropout, Activation,
// Normalization. Initializers go through Initializer::from_config, so every
// Keras initializer config works. Every key Keras 3 or tf-keras 2.x writes is
// accepted, and one whose value initlab does not implement (a regularizer,
// channels_first, dilation, sparse inputs) is an error naming it; a key Keras
// does not write is an error with the closest known key ("did you mean
// 'units'?"), in the envelope, the layer configs, compile_config, the
// optimizer and the loss alike. Sizes are integers from 1 to 2^31 - 1 and
// float hyperparameters must fit float32. Errors are ConfigErrors naming the
// JSON path: `model.json: config.layers[1].config.units: missing field`.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

#include "initlab/io/json_value.hpp"
#include "initlab/nn/loss.hpp"
#include "initlab/nn/optimizer.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

/// What model.compile() was given: Keras's `compile_config`.
struct CompileSettings {
  Optimizer optimizer;
  Loss loss{"mean_squared_error"};
  std::vector<std::string> metrics;
};

struct KerasModel {
  Sequential model;
  /// "Keras 3", "tf-keras 2.15.0", "Keras (legacy layer entries)".
  std::string dialect;
  /// From "compile_config" when the file has a non-empty one.
  std::optional<CompileSettings> compile;
  /// What was read but not applied, one line each (a training_config initlab cannot follow).
  std::vector<std::string> warnings{};
};

/// The Sequential model of a Keras model JSON (uncompiled, not built unless the
/// JSON gives the input shape). `source` names the document in errors.
KerasModel keras_model_from_json(const nlohmann::json& document, const std::string& source = "model");
/// The same for a value inside a larger document (errors carry its path);
/// `beside` names top-level keys another reader handles (a training job's "training").
KerasModel keras_model_from_json(const JsonValue& document, const std::vector<std::string>& beside = {});
/// The same from a file; a training job's file (a "training" section beside
/// the model, or {"model": ..., "training": ...}) gives its model.
KerasModel load_keras_model(const std::string& path);

/// An optimizer from its Keras form: "adam", or {"class_name": "Adam", "config": {"learning_rate": ...}}.
Optimizer keras_optimizer(const JsonValue& v);
/// A loss: "categorical_crossentropy" or {"class_name": "CategoricalCrossentropy", "config": {"from_logits": ...}}.
Loss keras_loss(const JsonValue& v);
/// Metrics: null, or a list of names ("accuracy", "acc", ...) or metric envelopes.
std::vector<std::string> keras_metrics(const JsonValue& v);
/// A whole compile_config object (optimizer, loss, metrics; the rest must be neutral).
CompileSettings keras_compile_settings(const JsonValue& compile_config);
/// The compile settings of a legacy .h5 file's training_config (formats.md
/// §2.6): loss, metrics and optimizer_config; loss_weights, weighted_metrics
/// and sample_weight_mode must be null or absent.
CompileSettings keras_training_config_settings(const JsonValue& training_config);

}  // namespace initlab
