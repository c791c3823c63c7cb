#include "initlab/lab/weight_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>

#include "initlab/core/error.hpp"
#include "initlab/io/model_file.hpp"
#include "initlab/io/npy.hpp"

namespace initlab {
namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

// The first bytes of the file (fewer when it is shorter).
std::string head_of(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string b(n, '\0');
  in.read(b.data(), static_cast<std::streamsize>(n));
  b.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  return b;
}

TensorSet from_npy(const std::string& path) {
  TensorSet set;
  set.add(StoredTensor::from_tensor(std::filesystem::path(path).stem().string(), load_npy(path)), path);
  return set;
}

}  // namespace

TensorSet read_weight_file(const std::string& path) {
  if (lower_extension(path) == ".npy" || head_of(path, 6) == "\x93NUMPY") return from_npy(path);
  return read_weight_tensors(path);
}

std::vector<ForensicTensor> forensic_tensors(const TensorSet& set, std::optional<WeightLayout> layout) {
  std::vector<std::string> names;
  for (const auto& t : set.tensors()) names.push_back(t.name);
  const WeightLayout chosen = layout ? *layout : layout_from_names(names);
  std::vector<ForensicTensor> out;
  for (const auto& t : set.tensors()) out.push_back({t.name, t.to_float32(), dtype_name(t.dtype), chosen});
  return out;
}

std::vector<DiffTensor> diff_tensors_of(const TensorSet& set) {
  std::vector<DiffTensor> out;
  for (const auto& t : set.tensors()) out.push_back({t.name, t.to_float32(), dtype_name(t.dtype), t.bytes});
  return out;
}

std::vector<uint64_t> metadata_seeds(const TensorSet& set) {
  std::vector<uint64_t> seeds;
  for (const auto& [key, value] : set.metadata) {
    std::string k = key;
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    if (k.find("seed") == std::string::npos || value.empty() || value.size() > 20) continue;
    if (!std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); })) continue;
    try {
      seeds.push_back(std::stoull(value));
    } catch (const std::exception&) {
      // beyond 64 bits: not a seed initlab uses
    }
  }
  return seeds;
}

}  // namespace initlab
