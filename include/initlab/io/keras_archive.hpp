// Keras 3's .keras archive (formats.md §2.1): a zip with stored members
//   metadata.json      {"keras_version": "3.0.0", "date_saved": "2026-12-04@15:51:15"}
//   config.json        the model's Keras 3 config (io/keras_config_writer.hpp)
//   model.weights.h5   the weights in Keras 3's HDF5 layout, optimizer state included
// Read: archives from Keras 3.x and tf-keras 2.13–2.15 (config.json in either
// dialect, weights under `layers` or `_layer_checkpoint_dependencies`, Windows
// backslash group names); assets are not needed by any layer initlab has and
// are ignored, and the npz weights store (weights_format="npz") is refused.
#pragma once

#include <string>

#include "initlab/io/hdf5_file.hpp"
#include "initlab/io/keras_model.hpp"
#include "initlab/io/weight_restore.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

/// The archive's bytes for the built model (compiled or not).
std::string encode_keras_archive(Sequential& model, bool include_optimizer = true);

/// The model of an archive, built, with its weights restored strictly (and the
/// optimizer's state when the archive is compiled and holds it). `where`
/// names the archive in errors ("m.keras: config.json: ...").
KerasModel decode_keras_archive(std::string bytes, const std::string& where);

/// The archive's model.weights.h5, opened (to restore into a model built
/// elsewhere, or to list its tensors).
H5File keras_archive_weights_file(std::string bytes, const std::string& where);

}  // namespace initlab
