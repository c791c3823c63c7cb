#include "initlab/io/model_file.hpp"

#include <fmt/format.h>

#include <optional>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/io/checkpoint.hpp"
#include "initlab/io/hdf5_file.hpp"
#include "initlab/io/keras3_weights_model.hpp"
#include "initlab/io/keras_archive.hpp"
#include "initlab/io/keras_config_writer.hpp"
#include "initlab/io/legacy_h5_model.hpp"
#include "initlab/io/model_tensors.hpp"
#include "initlab/io/npz.hpp"
#include "initlab/io/safetensors.hpp"

namespace initlab {

namespace {

[[noreturn]] void not_weights(const std::string& path, FileFormat f, const char* what) {
  throw ValueError(fmt::format("{}: {} holds {}", path, format_name(f), what));
}

void add_prefixed(TensorSet& out, std::vector<StoredTensor> tensors, const std::string& prefix, const std::string& where) {
  for (auto& t : tensors) {
    t.name = prefix + t.name;
    out.add(std::move(t), where);
  }
}

// Every tensor of a Keras 3 layout under its group path: "layers/dense/vars/0".
TensorSet keras3_tensor_set(const H5File& h5, const std::string& where) {
  TensorSet out;
  for (auto& s : read_keras3_weights(h5.root())) {
    add_prefixed(out, std::move(s.vars), s.path.empty() ? "vars/" : s.path + "/vars/", where);
  }
  return out;
}

// libhdf5 1.10 crashes or hangs on some damaged files, and where depends on the
// calls made before: the whole read runs first in a child process, exactly as
// it then runs here.
template <class F>
auto hdf5_read(const std::string& path, size_t size, F&& read) -> decltype(read()) {
  check_hdf5_read_in_child(path, size, [&] { (void)read(); });
  return read();
}

}  // namespace

FileWeights read_file_weights(const Sequential& model, const std::string& path, std::string bytes) {
  const FileFormat f = detect_file_format(path, bytes);
  switch (f) {
    case FileFormat::kKerasWeights:
    case FileFormat::kLegacyH5:
      return hdf5_read(path, bytes.size(), [&] {
        const H5File h5 = H5File::from_image(bytes, path, false);
        return is_legacy_h5_layout(h5.root()) ? read_legacy_file_weights(h5) : read_keras3_file_weights(h5);
      });
    case FileFormat::kSafetensors: return file_weights_from_tensor_set(model, decode_safetensors(std::move(bytes), path), path);
    case FileFormat::kCheckpoint: {
      const Checkpoint c = decode_checkpoint(std::move(bytes), path);
      return FileWeights{c.layers, LayerMatch::kName, std::nullopt};
    }
    case FileFormat::kNpz: return file_weights_from_tensor_set(model, decode_npz(std::move(bytes), path), path);
    case FileFormat::kKerasArchive:
      return hdf5_read(path, bytes.size(),
                       [&] { return read_keras3_file_weights(keras_archive_weights_file(bytes, path)); });
    case FileFormat::kModelJson:
      not_weights(path, f, "an architecture and no weights; load it as the model and the weights from another file");
  }
  throw FormatError(fmt::format("{}: unknown format", path));
}

void save_weights(Sequential& model, const std::string& path, const SaveOptions& options) {
  const FileFormat f = format_from_name(path);
  if (options.naming == WeightNaming::kPyTorch && f != FileFormat::kSafetensors && f != FileFormat::kNpz) {
    throw ValueError(fmt::format("{}: PyTorch names are for .safetensors and .npz files; {} has Keras's own", path,
                                 format_name(f)));
  }
  switch (f) {
    case FileFormat::kKerasWeights:
      write_file_atomically(path, encode_keras3_weights(model, options.include_optimizer, path));
      return;
    case FileFormat::kSafetensors:
      save_safetensors(path, model_tensor_set(model, options.naming, options.include_optimizer));
      return;
    case FileFormat::kNpz:
      save_npz(path, model_tensor_set(model, options.naming, options.include_optimizer));
      return;
    case FileFormat::kLegacyH5:
      write_file_atomically(path, encode_legacy_h5(model, false, path));
      return;
    case FileFormat::kKerasArchive:
    case FileFormat::kModelJson:
    case FileFormat::kCheckpoint: break;
  }
  throw ValueError(fmt::format("{}: save_weights writes .weights.h5, .h5, .safetensors or .npz files; {} is a model "
                               "format (save_model writes it)",
                               path, format_name(f)));
}

RestoreReport load_weights(Sequential& model, const std::string& path, const RestoreOptions& options) {
  // Built first: the model's variables order a file's tensors (safetensors sorts them by dtype and name).
  if (!model.built() && model.input_shape()) model.build(*model.input_shape());
  const FileWeights file = read_file_weights(model, path, read_file(path));
  return restore_weights(model, file, options, path);
}

void save_model(Sequential& model, const std::string& path) {
  const FileFormat f = format_from_name(path);
  if (f == FileFormat::kKerasArchive) {
    write_file_atomically(path, encode_keras_archive(model));
    return;
  }
  if (f == FileFormat::kLegacyH5) {
    write_file_atomically(path, encode_legacy_h5(model, true, path));
    return;
  }
  if (f == FileFormat::kModelJson) {  // the architecture alone, as model.to_json()
    write_file_atomically(path, keras3_model_config(model).dump(2) + "\n");
    return;
  }
  throw ValueError(fmt::format("{}: save_model writes .keras or .h5 files, not {}", path, format_name(f)));
}

KerasModel load_model(const std::string& path) {
  const std::string bytes = read_file(path);
  const FileFormat f = detect_file_format(path, bytes);
  if (f == FileFormat::kModelJson) return load_keras_model(path);
  if (f == FileFormat::kKerasArchive) return hdf5_read(path, bytes.size(), [&] { return decode_keras_archive(bytes, path); });
  if (f == FileFormat::kLegacyH5 || f == FileFormat::kKerasWeights) {
    std::optional<KerasModel> k = hdf5_read(path, bytes.size(), [&]() -> std::optional<KerasModel> {
      const H5File h5 = H5File::from_image(bytes, path, false);
      if (is_legacy_h5_layout(h5.root())) return decode_legacy_h5_model(h5);
      return std::nullopt;
    });
    if (k) return std::move(*k);
  }
  throw ConfigError(fmt::format("{}: {} holds weights only; load the architecture from a model file (a Keras model "
                                "JSON, .keras or .h5) and the weights into it",
                                path, format_name(f)));
}

TensorSet read_weight_tensors(const std::string& path) {
  std::string bytes = read_file(path);
  const FileFormat f = detect_file_format(path, bytes);
  switch (f) {
    case FileFormat::kKerasWeights:
    case FileFormat::kLegacyH5:
      return hdf5_read(path, bytes.size(), [&] {
        const H5File h5 = H5File::from_image(bytes, path, false);
        return is_legacy_h5_layout(h5.root()) ? read_legacy_tensors(h5) : keras3_tensor_set(h5, path);
      });
    case FileFormat::kKerasArchive:
      return hdf5_read(path, bytes.size(), [&] { return keras3_tensor_set(keras_archive_weights_file(bytes, path), path); });
    case FileFormat::kSafetensors:
    case FileFormat::kCheckpoint: return decode_safetensors(std::move(bytes), path);
    case FileFormat::kNpz: return decode_npz(std::move(bytes), path);
    case FileFormat::kModelJson: not_weights(path, f, "no tensors");
  }
  throw FormatError(fmt::format("{}: unknown format", path));
}

}  // namespace initlab
