// The Keras 3 model config of a Sequential: the dict `model.to_json()` gives
// and a `.keras` archive keeps as config.json (formats.md §1):
//
//   {"module": "keras", "class_name": "Sequential",
//    "config": {"name", "trainable", "dtype", "layers": [InputLayer, ...], "build_input_shape"},
//    "registered_name": null, "build_config": {"input_shape": [null, ...]}, "compile_config": {...}}
//
// Key set: that of Keras 3.0.0, the oldest Keras 3, so that every Keras 3
// release's load_model accepts the file (Layer.__init__ and the optimizers'
// constructors refuse keys they do not know; later releases fill the keys they
// added with their defaults). Hence the layers' "dtype" is the string
// "float32" (3.0–3.3; later releases read it as a DTypePolicy), InputLayer has
// no "ragged"/"optional", Dense no "quantization_config", the optimizer no
// "gradient_accumulation_steps", BatchNormalization no renorm keys, and every
// built layer has a build_config (as before 3.10). The per-layer key lists are
// shared with the reader (src/io/keras_layer_keys.hpp).
//
// Initializers are their own Initializer::to_config() envelopes (seeds
// included); initlab's PyTorch families (TorchDefault, KaimingUniform, …) have
// module "initlab.initializers" and load in initlab only. Floats are written
// as the shortest text that reads back to the same double. keras_model_from_json
// reads the result back to the same model.
#pragma once

#include <nlohmann/json.hpp>

#include "initlab/io/keras_model.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

/// The Keras version initlab's files say wrote them (metadata.json, a legacy .h5's
/// keras_version): the release whose key set the writer follows.
inline constexpr const char* kKerasVersionWritten = "3.0.0";

/// The config of `model`. compile_config comes from `compile` when given, else
/// from the model's own optimizer, loss and metrics when it is compiled, else
/// it is {} (as Keras writes for an uncompiled model). Throws ValueError naming
/// the layer for what Keras cannot express (an activation with a non-default
/// slope, a layer class Keras does not have).
nlohmann::json keras3_model_config(const Sequential& model, const CompileSettings* compile = nullptr);

/// The compile_config dict of one compile() call (formats.md §1.7).
nlohmann::json keras3_compile_config(const CompileSettings& compile);

/// The optimizer's Keras 3 envelope: {"module": "keras.optimizers", "class_name": "Adam", "config": {...}}.
nlohmann::json keras3_optimizer_config(const OptimizerImpl& optimizer);

}  // namespace initlab
