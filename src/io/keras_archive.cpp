#include "initlab/io/keras_archive.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

#include "initlab/core/error.hpp"
#include "initlab/core/json_text.hpp"
#include "initlab/io/hdf5_file.hpp"
#include "initlab/io/keras3_weights_model.hpp"
#include "initlab/io/keras_config_writer.hpp"
#include "initlab/io/zip_archive.hpp"

namespace initlab {

namespace {

constexpr const char* kConfig = "config.json";
constexpr const char* kWeights = "model.weights.h5";
constexpr const char* kNpzWeights = "model.weights.npz";

// The archive's weights member as an HDF5 file.
H5File weights_member(const ZipReader& zip, const std::string& where) {
  if (!zip.contains(kWeights)) {
    if (zip.contains(kNpzWeights)) {
      throw FormatError(fmt::format("{}: the weights are in {} (Keras's npz store); initlab reads archives saved "
                                    "with the default HDF5 store ({})",
                                    where, kNpzWeights, kWeights));
    }
    throw FormatError(fmt::format("{}: no {} in the archive (it holds {})", where, kWeights,
                                  fmt::join(zip.names(), ", ")));
  }
  return H5File::from_image(zip.read(kWeights), where + ": " + kWeights);
}

ZipReader open_archive(std::string bytes, const std::string& where) {
  ZipReader zip(std::move(bytes), where);
  if (!zip.contains(kConfig)) {
    throw FormatError(fmt::format("{}: no {} in the archive, so it is not a .keras model (it holds {})", where,
                                  kConfig, zip.names().empty() ? std::string("nothing") : fmt::format("{}", fmt::join(zip.names(), ", "))));
  }
  return zip;
}

}  // namespace

std::string encode_keras_archive(Sequential& model, bool include_optimizer) {
  const std::string config = keras3_model_config(model).dump();
  const std::string weights = encode_keras3_weights(model, include_optimizer, kWeights);
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const nlohmann::json metadata = {{"keras_version", kKerasVersionWritten}, {"date_saved", fmt::format("{:%Y-%m-%d@%H:%M:%S}", now)}};
  ZipWriter zip;
  zip.add("metadata.json", metadata.dump());
  zip.add(kConfig, config);
  zip.add(kWeights, weights);
  return zip.finish();
}

H5File keras_archive_weights_file(std::string bytes, const std::string& where) {
  const ZipReader zip = open_archive(std::move(bytes), where);
  return weights_member(zip, where);
}

KerasModel decode_keras_archive(std::string bytes, const std::string& where) {
  const ZipReader zip = open_archive(std::move(bytes), where);
  const std::string config_where = where + ": " + kConfig;
  KerasModel k = keras_model_from_json(parse_json_text(zip.read(kConfig), config_where), config_where);
  const FileWeights weights = read_keras3_file_weights(weights_member(zip, where));
  if (k.compile) k.model.compile(k.compile->optimizer, k.compile->loss, k.compile->metrics);
  restore_weights(k.model, weights, {}, where);
  return k;
}

}  // namespace initlab
