#include "initlab/io/npy.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <regex>
#include <vector>

#include "initlab/core/error.hpp"
#include "initlab/core/atomic_file.hpp"

namespace initlab {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

static_assert(std::endian::native == std::endian::little, "initlab's .npy I/O assumes a little-endian host");

}  // namespace

std::string encode_npy(const Tensor& t) {
  std::string shape = "(";
  for (int i = 0; i < t.rank(); ++i) shape += fmt::format("{}, ", t.dim(i));
  if (t.rank() > 1) shape.resize(shape.size() - 2);  // "(784, 64)"; rank 1 keeps "(7, )" → "(7,)"
  if (t.rank() == 1) shape.resize(shape.size() - 1);
  shape += ")";
  std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': {}, }}", shape);
  // Pad with spaces so magic + version + length + header + '\n' is a multiple of 64.
  const size_t prefix = kMagicLen + 2 + 2;
  const size_t total = (prefix + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prefix - header.size() - 1, ' ');
  header += '\n';
  std::string out(kMagic, kMagicLen);
  out += '\x01';
  out += '\x00';
  const auto len = static_cast<uint16_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(t.data()), static_cast<size_t>(t.size()) * sizeof(float));
  return out;
}

Tensor decode_npy(const std::string& bytes, const std::string& where) {
  if (bytes.size() < 10 || bytes.compare(0, kMagicLen, kMagic, kMagicLen) != 0) {
    throw IoError(fmt::format("{}: not a .npy file (expected the magic \\x93NUMPY at byte 0)", where));
  }
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw IoError(fmt::format("{}: truncated .npy header", where));
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  } else {
    throw IoError(fmt::format("{}: .npy format version {} is not supported (expected 1, 2 or 3)", where, major));
  }
  if (bytes.size() < offset + header_len) {
    throw IoError(fmt::format("{}: header needs {} bytes, file has {}", where, offset + header_len, bytes.size()));
  }
  const std::string header = bytes.substr(offset, header_len);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'")) || m[1] != "<f4") {
    throw IoError(fmt::format("{}: dtype {} is not supported (expected '<f4', float32 little-endian)", where,
                              m.size() > 1 ? "'" + m[1].str() + "'" : "(missing)"));
  }
  if (std::regex_search(header, m, std::regex("'fortran_order':\\s*True"))) {
    throw IoError(fmt::format("{}: Fortran-ordered arrays are not supported (expected C order)", where));
  }
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) {
    throw IoError(fmt::format("{}: header has no shape: {}", where, header));
  }
  std::vector<int64_t> dims;
  const std::string dims_text = m[1];
  std::regex num("\\d+");
  for (auto it = std::sregex_iterator(dims_text.begin(), dims_text.end(), num); it != std::sregex_iterator(); ++it) {
    dims.push_back(std::stoll(it->str()));
  }
  Tensor t{Shape(dims)};
  const size_t data_bytes = static_cast<size_t>(t.size()) * sizeof(float);
  const size_t data_at = offset + header_len;
  if (bytes.size() - data_at != data_bytes) {
    throw IoError(fmt::format("{}: shape {} needs {} bytes of data, found {}", where, t.shape().str(), data_bytes,
                              bytes.size() - data_at));
  }
  std::memcpy(t.data(), bytes.data() + data_at, data_bytes);
  return t;
}

void save_npy(const std::string& path, const Tensor& t) { write_file_atomically(path, encode_npy(t)); }

Tensor load_npy(const std::string& path) { return decode_npy(read_file(path), path); }

}  // namespace initlab
