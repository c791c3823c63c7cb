// The front door for weight and model files: the format is chosen by the
// file's name, confirmed by its first bytes (io/file_format.hpp), and every
// load is strict and transactional (io/weight_restore.hpp).
//
//   save_weights   .weights.h5 (Keras 3), .h5 (tf-keras), .safetensors, .npz
//   load_weights   those, .keras archives and initlab checkpoints
//   save_model     .keras (config.json + model.weights.h5 + metadata.json), .h5 (tf-keras, legacy)
//   load_model     .keras from Keras 3.x and tf-keras 2.13–2.15, legacy .h5, model JSON
//
// Each format's own code lives in its file: keras3_weights_model (Keras 3
// groups), model_tensors and pytorch_layout (safetensors, .npz), keras_archive
// (.keras), legacy_h5_model (tf-keras HDF5), checkpoint.
#pragma once

#include <string>

#include "initlab/io/file_format.hpp"
#include "initlab/io/keras_model.hpp"
#include "initlab/io/tensor_set.hpp"
#include "initlab/io/weight_naming.hpp"
#include "initlab/io/weight_restore.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

struct SaveOptions {
  /// Tensor names in safetensors and .npz (Keras and HDF5 files have their own).
  WeightNaming naming = WeightNaming::kInitlab;
  /// The optimizer's state, when the model has taken a step (not with PyTorch names).
  bool include_optimizer = true;
};

/// Writes the built model's weights atomically, in the format the name says.
/// Never changes the model.
void save_weights(Sequential& model, const std::string& path, const SaveOptions& options = {});
/// Restores a weight file (or a .keras archive, or a checkpoint's weights) into
/// the model: strict and all-or-nothing unless `options` ask otherwise.
RestoreReport load_weights(Sequential& model, const std::string& path, const RestoreOptions& options = {});

/// Writes the model, its configuration and its weights atomically: .keras or legacy .h5.
void save_model(Sequential& model, const std::string& path);
/// A model with its weights from a .keras archive or a legacy .h5 model file
/// (strict restore), or the architecture alone from a model JSON. Compiled when
/// the file says how (its optimizer state then restored too).
KerasModel load_model(const std::string& path);

/// The tensors of any supported file as stored (dtype and bytes kept), named
/// by where they sit: "layers/dense/vars/0" (Keras 3), "dense/dense/kernel:0"
/// (legacy), the key itself (safetensors, .npz, checkpoints).
TensorSet read_weight_tensors(const std::string& path);

/// The layers and optimizer state a file holds, ready for restore_weights,
/// from its bytes; `model` tells PyTorch layouts apart and orders tensors, so
/// it must be built (load_weights builds a model that knows its input shape).
FileWeights read_file_weights(const Sequential& model, const std::string& path, std::string bytes);

}  // namespace initlab
