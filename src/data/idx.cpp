#include "initlab/data/idx.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <cstring>

#include "initlab/core/error.hpp"
#include "initlab/core/atomic_file.hpp"

namespace initlab {
namespace {

uint32_t be32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}

int element_size(unsigned char type) {
  switch (type) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    default: return 0;
  }
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string read_maybe_gzip(const std::string& path) {
  if (!ends_with(path, ".gz")) return read_file(path);
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw IoError(fmt::format("{}: cannot open for reading", path));
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  int err = 0;
  const char* msg = gzerror(f, &err);
  const bool bad = n < 0 || (err != Z_OK && err != Z_STREAM_END);
  const std::string why = msg ? msg : "";
  gzclose(f);
  if (bad) throw IoError(fmt::format("{}: gzip data is corrupt or truncated after {} bytes ({})", path, out.size(), why));
  return out;
}

IdxArray decode_idx(const std::string& bytes, const std::string& where) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 4) {
    throw IoError(fmt::format("{}: expected an IDX header of at least 4 bytes, found {}", where, bytes.size()));
  }
  if (p[0] != 0 || p[1] != 0 || element_size(p[2]) == 0) {
    throw IoError(fmt::format("{}: not an IDX file (expected bytes 00 00 <type> <rank>, found {:02x} {:02x} {:02x} {:02x})",
                              where, p[0], p[1], p[2], p[3]));
  }
  const int rank = p[3];
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (bytes.size() < header) {
    throw IoError(fmt::format("{}: expected a {}-byte header for {} dimensions, found {} bytes", where, header, rank,
                              bytes.size()));
  }
  IdxArray a;
  uint64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    a.dims.push_back(be32(p + 4 + 4 * i));
    count *= static_cast<uint64_t>(a.dims.back());
  }
  const int esize = element_size(p[2]);
  const uint64_t need = count * static_cast<uint64_t>(esize);
  const uint64_t have = bytes.size() - header;
  if (have != need) {
    throw IoError(fmt::format("{}: expected {} bytes of values for dimensions ({}), found {}", where, need,
                              fmt::join(a.dims, ", "), have));
  }
  a.values.resize(count);
  const unsigned char* v = p + header;
  for (uint64_t i = 0; i < count; ++i) {
    const unsigned char* e = v + i * static_cast<uint64_t>(esize);
    switch (p[2]) {
      case 0x08: a.values[i] = static_cast<float>(e[0]); break;
      case 0x09: a.values[i] = static_cast<float>(static_cast<int8_t>(e[0])); break;
      case 0x0B: a.values[i] = static_cast<float>(static_cast<int16_t>(e[0] << 8 | e[1])); break;
      case 0x0C: a.values[i] = static_cast<float>(static_cast<int32_t>(be32(e))); break;
      case 0x0D: {
        const uint32_t b = be32(e);
        float f;
        std::memcpy(&f, &b, 4);
        a.values[i] = f;
        break;
      }
      case 0x0E: {
        uint64_t b = 0;
        for (int k = 0; k < 8; ++k) b = b << 8 | e[k];
        double d;
        std::memcpy(&d, &b, 8);
        a.values[i] = static_cast<float>(d);
        break;
      }
    }
  }
  return a;
}

IdxArray read_idx(const std::string& path) { return decode_idx(read_maybe_gzip(path), path); }

}  // namespace initlab
