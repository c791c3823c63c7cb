#include "initlab/io/file_format.hpp"

#include <fmt/format.h>

#include <cstring>

#include "initlab/core/error.hpp"
#include "initlab/io/hdf5_file.hpp"

namespace initlab {

namespace {

enum class Bytes { kZip, kHdf5, kSafetensors, kJson, kUnknown };

std::string bytes_name(Bytes b) {
  switch (b) {
    case Bytes::kZip: return "a zip archive";
    case Bytes::kHdf5: return "an HDF5 file";
    case Bytes::kSafetensors: return "a safetensors file";
    case Bytes::kJson: return "a JSON text";
    case Bytes::kUnknown: break;
  }
  return "none of the formats initlab reads";
}

bool ends_with(const std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    const char c = s[s.size() - suffix.size() + i];
    if (std::tolower(static_cast<unsigned char>(c)) != suffix[i]) return false;
  }
  return true;
}

// The safetensors header length, when the bytes start with one that fits them and opens a JSON object.
bool safetensors_header(std::string_view bytes, uint64_t& n) {
  if (bytes.size() < 9) return false;
  std::memcpy(&n, bytes.data(), 8);
  return n >= 2 && n <= bytes.size() - 8 && bytes[8] == '{';
}

Bytes sniff(std::string_view b) {
  if (b.size() >= 4 && (b.substr(0, 4) == std::string_view("PK\x03\x04", 4) || b.substr(0, 4) == std::string_view("PK\x05\x06", 4))) {
    return Bytes::kZip;
  }
  if (has_hdf5_signature(b)) return Bytes::kHdf5;
  uint64_t n = 0;
  if (safetensors_header(b, n)) return Bytes::kSafetensors;
  for (char c : b) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' ? Bytes::kJson : Bytes::kUnknown;
  }
  return Bytes::kUnknown;
}

Bytes bytes_of_format(FileFormat f) {
  switch (f) {
    case FileFormat::kKerasArchive:
    case FileFormat::kNpz: return Bytes::kZip;
    case FileFormat::kKerasWeights:
    case FileFormat::kLegacyH5: return Bytes::kHdf5;
    case FileFormat::kSafetensors:
    case FileFormat::kCheckpoint: return Bytes::kSafetensors;
    case FileFormat::kModelJson: return Bytes::kJson;
  }
  return Bytes::kUnknown;
}

bool name_format(const std::string& path, FileFormat& out) {
  if (ends_with(path, ".keras")) out = FileFormat::kKerasArchive;
  else if (ends_with(path, ".weights.h5")) out = FileFormat::kKerasWeights;
  else if (ends_with(path, ".h5") || ends_with(path, ".hdf5")) out = FileFormat::kLegacyH5;
  else if (ends_with(path, ".safetensors")) out = FileFormat::kSafetensors;
  else if (ends_with(path, ".npz")) out = FileFormat::kNpz;
  else if (ends_with(path, ".json")) out = FileFormat::kModelJson;
  else return false;
  return true;
}

bool is_checkpoint(std::string_view bytes) {
  uint64_t n = 0;
  if (!safetensors_header(bytes, n)) return false;
  return bytes.substr(8, n).find("\"format\":\"initlab-checkpoint\"") != std::string_view::npos;
}

constexpr const char* kNames = ".keras, .weights.h5, .h5, .safetensors, .npz or .json";

}  // namespace

std::string format_name(FileFormat f) {
  switch (f) {
    case FileFormat::kKerasArchive: return "a .keras archive";
    case FileFormat::kKerasWeights: return "Keras 3 weights (.weights.h5)";
    case FileFormat::kLegacyH5: return "a legacy Keras HDF5 file (.h5)";
    case FileFormat::kSafetensors: return "safetensors";
    case FileFormat::kCheckpoint: return "an initlab checkpoint";
    case FileFormat::kNpz: return "a NumPy .npz archive";
    case FileFormat::kModelJson: return "a Keras model JSON";
  }
  return "?";
}

FileFormat format_from_name(const std::string& path) {
  FileFormat f;
  if (!name_format(path, f)) {
    throw ValueError(fmt::format("{}: the name does not say the format; use a name ending in {}", path, kNames));
  }
  return f;
}

FileFormat detect_file_format(const std::string& path, std::string_view bytes) {
  const Bytes found = sniff(bytes);
  FileFormat f;
  if (name_format(path, f)) {
    if (bytes_of_format(f) != found) {
      throw FormatError(fmt::format("{}: the name says {}, the bytes are {}{}", path, format_name(f), bytes_name(found),
                                    found == Bytes::kUnknown ? "" : "; rename the file to say what it is"));
    }
    if (f == FileFormat::kSafetensors && is_checkpoint(bytes)) return FileFormat::kCheckpoint;
    return f;
  }
  switch (found) {
    case Bytes::kHdf5: return FileFormat::kLegacyH5;  // the loader tells the layouts apart
    case Bytes::kSafetensors: return is_checkpoint(bytes) ? FileFormat::kCheckpoint : FileFormat::kSafetensors;
    case Bytes::kJson: return FileFormat::kModelJson;
    case Bytes::kZip:
      throw FormatError(fmt::format("{}: a zip archive with a name that does not say .keras or .npz", path));
    case Bytes::kUnknown: break;
  }
  throw FormatError(fmt::format("{}: not a weight or model file initlab reads (expected {} content)", path, kNames));
}

}  // namespace initlab
