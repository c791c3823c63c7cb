#include "initlab/io/npz.hpp"

#include <fmt/format.h>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/io/npy.hpp"
#include "initlab/io/zip_archive.hpp"

namespace initlab {

namespace {
constexpr std::string_view kSuffix = ".npy";
}

std::string encode_npz(const TensorSet& set, bool compress) {
  ZipWriter zip;
  for (const StoredTensor& t : set.tensors()) zip.add(t.name + std::string(kSuffix), encode_npy(t), compress);
  return zip.finish();
}

TensorSet decode_npz(std::string bytes, const std::string& where) {
  const ZipReader zip(std::move(bytes), where);
  TensorSet out;
  for (const std::string& member : zip.names()) {
    if (member.size() <= kSuffix.size() || member.compare(member.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
      throw FormatError(fmt::format("{}: member '{}' is not a .npy array (an .npz archive holds '<name>.npy' members)",
                                    where, member));
    }
    const std::string name = member.substr(0, member.size() - kSuffix.size());
    const std::string member_where = fmt::format("{}: member '{}'", where, member);
    try {
      out.add(decode_npy_stored(zip.read(member), name, member_where), where);
    } catch (const IoError& e) {
      throw FormatError(e.what());  // a damaged member is a damaged archive
    }
  }
  return out;
}

void save_npz(const std::string& path, const TensorSet& set, bool compress) {
  write_file_atomically(path, encode_npz(set, compress));
}

TensorSet load_npz(const std::string& path) { return decode_npz(read_file(path), path); }

}  // namespace initlab
