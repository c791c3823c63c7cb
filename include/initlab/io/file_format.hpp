// Which weight or model format a file holds: by its name first, then by its
// first bytes. A name that says one format for bytes of another is refused
// with both ("w.safetensors: the name says safetensors, the bytes are an HDF5
// file"), so a misnamed file never loads as something else by accident.
#pragma once

#include <string>
#include <string_view>

namespace initlab {

enum class FileFormat {
  kKerasArchive,   ///< .keras: a zip with config.json and model.weights.h5
  kKerasWeights,   ///< .weights.h5: Keras 3's HDF5 weights layout
  kLegacyH5,       ///< .h5 / .hdf5: tf-keras's HDF5 (a model file or save_weights)
  kSafetensors,    ///< .safetensors
  kCheckpoint,     ///< an initlab checkpoint (a .safetensors file whose metadata says so)
  kNpz,            ///< .npz: NumPy's zip of .npy members
  kModelJson,      ///< .json: a Keras model config (model.to_json())
};

/// "a .keras archive", "Keras 3 weights (.weights.h5)", "safetensors", …
std::string format_name(FileFormat f);

/// The format of the file at `path` with content `bytes`: the name decides
/// (.keras, .weights.h5, .h5/.hdf5, .safetensors, .npz, .json), the bytes
/// confirm it (a zip, HDF5's signature, a safetensors header, a JSON text) and
/// tell an .h5 file's layout (Keras 3 groups or tf-keras's layer_names), and a
/// safetensors file's metadata tells a checkpoint; an unknown name leaves it
/// to the bytes. FormatError naming the file when the name and the bytes
/// disagree or nothing recognizes the bytes.
FileFormat detect_file_format(const std::string& path, std::string_view bytes);

/// The format a file would be written in, from its name alone (no file is
/// read): ValueError listing the names understood when there is none.
FileFormat format_from_name(const std::string& path);

}  // namespace initlab
