// tf-keras's HDF5 layout (formats.md §2.6–2.7): `model.save("m.h5")` and
// `save_weights("w.h5")` of Keras 2.x, and Keras 3's legacy writer.
//
//   /                    attrs keras_version, backend, model_config (JSON), training_config (JSON)
//   /model_weights       attrs layer_names (model order), backend, keras_version
//   /model_weights/dense attr weight_names = ["dense/kernel:0", "dense/bias:0"]
//   /model_weights/dense/dense/kernel:0   float32 (784, 64)
//   /optimizer_weights   attr weight_names; Adam/iter:0, Adam/m/dense/kernel:0, …
//
// A weights-only file keeps layer_names and the layer groups at the root. The
// reader takes what files people saved hold: layer_names and weight_names as
// fixed- or variable-length strings, split into name0, name1, … past 64 KB; an
// empty weight_names stored as a float64 array of size 0; weight names in
// three spellings (`dense/kernel:0`, `model/dense/kernel`, bare `kernel`),
// each resolved as a path relative to the layer's group, as Keras does.
// Layers are matched by position (the layers that hold weights, in
// layer_names order), or by name on request (RestoreOptions::by_name).
// The optimizer_weights group is listed by read_legacy_tensors but not
// restored: its variable order differs between tf-keras releases.
#pragma once

#include <string>

#include "initlab/io/hdf5_file.hpp"
#include "initlab/io/keras_model.hpp"
#include "initlab/io/tensor_set.hpp"
#include "initlab/io/weight_restore.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

/// True when the file has tf-keras's layout: layer_names at the root or a model_weights group.
bool is_legacy_h5_layout(const H5Group& root);

/// The file's layers in layer_names order, each with its tensors in
/// weight_names order (named by the variable's short name, "kernel"),
/// matched by position. FormatError naming the file and the path for a
/// missing layer_names, a listed layer without a group, a weight name that
/// leads to no dataset.
FileWeights read_legacy_file_weights(const H5File& file);

/// Every tensor under its path below the weights group, in layer order
/// ("dense/dense/kernel:0"), then the optimizer's ("optimizer_weights/Adam/iter:0").
TensorSet read_legacy_tensors(const H5File& file);

/// The bytes of a tf-keras HDF5 file of the built model: its weights alone
/// (save_weights("w.h5")) or, with `with_model`, the model file
/// (model_config, training_config when compiled, model_weights).
std::string encode_legacy_h5(Sequential& model, bool with_model, const std::string& where);

/// The model of a tf-keras model file with its weights restored (strict, by
/// position) and, when the file has a training_config initlab can follow,
/// compiled (otherwise uncompiled, with a warning saying why). A weights-only
/// file is a ConfigError saying where the architecture must come from.
KerasModel decode_legacy_h5_model(const H5File& file);

}  // namespace initlab
