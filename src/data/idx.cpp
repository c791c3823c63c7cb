#include "initlab/data/idx.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <zlib.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/input_file.hpp"
#include "initlab/core/memory_budget.hpp"

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

// Where the bytes come from: memory, a plain file or a gzip stream.
class Source {
 public:
  virtual ~Source() = default;
  /// Up to n bytes; fewer only at the end. Throws IoError on a read or inflate error.
  virtual size_t read(char* buf, size_t n) = 0;
  /// The total size, when it is known without reading (not for gzip).
  virtual std::optional<uint64_t> size() const = 0;
};

class MemorySource : public Source {
 public:
  explicit MemorySource(const std::string& bytes) : bytes_(bytes) {}
  size_t read(char* buf, size_t n) override {
    const size_t k = std::min(n, bytes_.size() - at_);
    std::memcpy(buf, bytes_.data() + at_, k);
    at_ += k;
    return k;
  }
  std::optional<uint64_t> size() const override { return bytes_.size(); }

 private:
  const std::string& bytes_;
  size_t at_ = 0;
};

class FileSource : public Source {
 public:
  explicit FileSource(InputFile& f) : f_(f) {}
  size_t read(char* buf, size_t n) override { return f_.read(buf, n); }
  std::optional<uint64_t> size() const override { return f_.size(); }

 private:
  InputFile& f_;
};

class GzipSource : public Source {
 public:
  explicit GzipSource(InputFile&& f) : path_(f.path()) {
    const int fd = f.release();
    gz_ = gzdopen(fd, "rb");
    if (gz_ == nullptr) {
      ::close(fd);
      throw IoError(fmt::format("{}: cannot open for reading (zlib could not start)", path_));
    }
    gzbuffer(gz_, 1 << 17);
  }
  ~GzipSource() override { gzclose(gz_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  size_t read(char* buf, size_t n) override {
    size_t done = 0;
    while (done < n) {
      const unsigned ask = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
      const int got = gzread(gz_, buf + done, ask);
      if (got > 0) {
        done += static_cast<size_t>(got);
        inflated_ += static_cast<uint64_t>(got);
        continue;
      }
      int err = Z_OK;
      const char* msg = gzerror(gz_, &err);
      if (got < 0 || (err != Z_OK && err != Z_STREAM_END)) {
        throw IoError(fmt::format("{}: gzip data is corrupt or truncated after {} bytes ({})", path_, inflated_,
                                  msg != nullptr ? msg : "zlib error"));
      }
      break;  // the end of the stream
    }
    return done;
  }
  std::optional<uint64_t> size() const override { return std::nullopt; }

 private:
  std::string path_;
  gzFile gz_ = nullptr;
  uint64_t inflated_ = 0;
};

// "(12, 3, 7)": the index of flat element i in an array of these dimensions.
std::string index_of(uint64_t i, const std::vector<int64_t>& dims) {
  std::vector<uint64_t> idx(dims.size());
  for (size_t k = dims.size(); k-- > 0;) {
    const auto d = static_cast<uint64_t>(dims[k]);
    idx[k] = i % d;
    i /= d;
  }
  return fmt::format("({})", fmt::join(idx, ", "));
}

[[noreturn]] void not_finite(const std::string& where, uint64_t i, const std::vector<int64_t>& dims, double v) {
  const bool fits = std::isfinite(v);
  throw IoError(fmt::format("{}: value {} (element {}) is {}; expected finite float32 values", where, i,
                            index_of(i, dims),
                            fits ? fmt::format("{:g}, beyond float32's range (±3.4e38)", v)
                                 : (std::isnan(v) ? std::string("nan") : (v > 0 ? "inf" : "-inf"))));
}

IdxArray decode(Source& src, const std::string& where, const IdxDimsCheck& check_dims) {
  unsigned char head[4] = {0, 0, 0, 0};
  const size_t got = src.read(reinterpret_cast<char*>(head), 4);
  if (got < 4) throw IoError(fmt::format("{}: expected an IDX header of at least 4 bytes, found {}", where, got));
  if (head[0] != 0 || head[1] != 0 || element_size(head[2]) == 0) {
    throw IoError(fmt::format("{}: not an IDX file (expected bytes 00 00 <type> <rank>, found {:02x} {:02x} {:02x} {:02x})",
                              where, head[0], head[1], head[2], head[3]));
  }
  const unsigned char type = head[2];
  const int rank = head[3];
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  unsigned char dims_bytes[4 * 255];
  const size_t got_dims = src.read(reinterpret_cast<char*>(dims_bytes), header - 4);
  if (got_dims < header - 4) {
    throw IoError(fmt::format("{}: expected a {}-byte header for {} dimensions, found {} bytes", where, header, rank,
                              4 + got_dims));
  }
  IdxArray a;
  uint64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    a.dims.push_back(be32(dims_bytes + 4 * i));
    count = bytes_of(count, static_cast<uint64_t>(a.dims.back()));  // saturates: refused below
  }
  if (check_dims) check_dims(a.dims);
  const int esize = element_size(type);
  const uint64_t need = bytes_of(count, static_cast<uint64_t>(esize));
  if (const auto total = src.size()) {
    const uint64_t have = *total - header;
    if (have != need) {
      throw IoError(fmt::format("{}: expected {} bytes of values for dimensions ({}), found {}", where,
                                need == std::numeric_limits<uint64_t>::max() ? "more than 2^64" : std::to_string(need),
                                fmt::join(a.dims, ", "), have));
    }
  }
  require_memory(bytes_of(count, sizeof(float)),
                 fmt::format("{}: {} values of dimensions ({})", where, count, fmt::join(a.dims, ", ")));
  a.values.resize(count);

  // Inflate and convert a block at a time: never more than the header declared.
  constexpr uint64_t kBlock = 1 << 16;  // values
  std::vector<unsigned char> raw(kBlock * static_cast<uint64_t>(esize));
  for (uint64_t at = 0; at < count; at += kBlock) {
    const uint64_t k = std::min(kBlock, count - at);
    const size_t want = static_cast<size_t>(k) * static_cast<size_t>(esize);
    const size_t n = src.read(reinterpret_cast<char*>(raw.data()), want);
    if (n < want) {
      throw IoError(fmt::format("{}: expected {} bytes of values for dimensions ({}), found {}", where, need,
                                fmt::join(a.dims, ", "), at * static_cast<uint64_t>(esize) + n));
    }
    float* out = a.values.data() + at;
    for (uint64_t j = 0; j < k; ++j) {
      const unsigned char* e = raw.data() + j * static_cast<uint64_t>(esize);
      switch (type) {
        case 0x08: out[j] = static_cast<float>(e[0]); break;
        case 0x09: out[j] = static_cast<float>(static_cast<int8_t>(e[0])); break;
        case 0x0B: out[j] = static_cast<float>(static_cast<int16_t>(e[0] << 8 | e[1])); break;
        case 0x0C: out[j] = static_cast<float>(static_cast<int32_t>(be32(e))); break;
        case 0x0D: {
          const uint32_t b = be32(e);
          float f;
          std::memcpy(&f, &b, 4);
          if (!std::isfinite(f)) not_finite(where, at + j, a.dims, f);
          out[j] = f;
          break;
        }
        case 0x0E: {
          uint64_t b = 0;
          for (int q = 0; q < 8; ++q) b = b << 8 | e[q];
          double d;
          std::memcpy(&d, &b, 8);
          if (!(std::fabs(d) <= FLT_MAX)) not_finite(where, at + j, a.dims, d);
          out[j] = static_cast<float>(d);
          break;
        }
      }
    }
  }
  if (!src.size()) {  // a stream: it must end where the header says
    char extra = 0;
    if (src.read(&extra, 1) != 0) {
      throw IoError(fmt::format("{}: expected {} bytes of values for dimensions ({}), found more", where, need,
                                fmt::join(a.dims, ", ")));
    }
  }
  return a;
}

}  // namespace

std::string read_maybe_gzip(const std::string& path) {
  InputFile f(path);
  unsigned char magic[2] = {0, 0};
  if (::pread(f.fd(), magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b) return read_file(path);
  GzipSource gz(std::move(f));
  std::string out;
  char buf[1 << 16];
  while (const size_t n = gz.read(buf, sizeof(buf))) {
    if (!fits_in_memory(out.size() + n)) require_memory(out.size() + n, fmt::format("{} (inflated)", path));
    out.append(buf, n);
  }
  return out;
}

IdxArray decode_idx(const std::string& bytes, const std::string& where, const IdxDimsCheck& check_dims) {
  MemorySource src(bytes);
  return decode(src, where, check_dims);
}

IdxArray read_idx(const std::string& path, const IdxDimsCheck& check_dims) {
  InputFile f(path);
  unsigned char magic[2] = {0, 0};
  if (::pread(f.fd(), magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    GzipSource gz(std::move(f));
    return decode(gz, path, check_dims);
  }
  FileSource plain(f);
  return decode(plain, path, check_dims);
}

}  // namespace initlab
