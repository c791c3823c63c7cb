#include "initlab/io/npy.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/input_file.hpp"
#include "initlab/core/memory_budget.hpp"

namespace initlab {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
// NumPy refuses longer headers unless allow_pickle (numpy/lib/_format_impl.py, _MAX_HEADER_SIZE).
constexpr size_t kMaxHeader = 10000;

static_assert(std::endian::native == std::endian::little, "initlab's .npy I/O assumes a little-endian host");

// At most 60 characters of header text, for messages.
std::string excerpt(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out;
  for (char c : s.substr(0, kMax)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
  return s.size() > kMax ? out + "…" : out;
}

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> dims;
  size_t data_at = 0;  // offset of the data in the file
};

// The dict literal NumPy writes: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }
class DictParser {
 public:
  DictParser(std::string_view text, const std::string& where) : s_(text), where_(where) {}

  Header parse() {
    Header h;
    bool have_descr = false, have_order = false, have_shape = false;
    space();
    expect('{');
    for (;;) {
      space();
      if (peek() == '}') {
        ++i_;
        break;
      }
      const std::string key = string_literal("a key");
      space();
      expect(':');
      space();
      bool* seen = nullptr;
      if (key == "descr") {
        if (peek() == '[') fail("structured dtypes are not supported (expected descr '<f4', float32)");
        h.descr = string_literal("the dtype");
        seen = &have_descr;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        seen = &have_order;
      } else if (key == "shape") {
        h.dims = tuple();
        seen = &have_shape;
      } else {
        fail(fmt::format("unexpected key '{}' (a .npy header has exactly 'descr', 'fortran_order' and 'shape')",
                         excerpt(key)));
      }
      if (*seen) fail(fmt::format("the key '{}' appears twice", key));
      *seen = true;
      space();
      if (peek() == ',') {
        ++i_;
      } else if (peek() != '}') {
        fail(fmt::format("expected ',' or '}}' after the value of '{}'", key));
      }
    }
    space();
    if (i_ != s_.size()) fail("unexpected text after the closing '}'");
    if (!have_descr || !have_order || !have_shape) {
      fail(fmt::format("the key '{}' is missing (a .npy header has 'descr', 'fortran_order' and 'shape')",
                       !have_descr ? "descr" : !have_order ? "fortran_order" : "shape"));
    }
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw IoError(fmt::format("{}: malformed .npy header: {} (header: {})", where_, why, excerpt(s_)));
  }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  void expect(char c) {
    if (peek() != c) fail(fmt::format("expected '{}' at byte {}", c, i_));
    ++i_;
  }
  std::string string_literal(const char* what) {
    const char q = peek();
    if (q != '\'' && q != '"') fail(fmt::format("expected {} in quotes at byte {}", what, i_));
    const size_t end = s_.find(q, i_ + 1);
    if (end == std::string_view::npos) fail(fmt::format("unterminated string at byte {}", i_));
    std::string out(s_.substr(i_ + 1, end - i_ - 1));
    if (out.find('\\') != std::string::npos) fail("escapes in strings are not supported");
    i_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.substr(i_, 4) == "True") {
      i_ += 4;
      return true;
    }
    if (s_.substr(i_, 5) == "False") {
      i_ += 5;
      return false;
    }
    fail("expected True or False for 'fortran_order'");
  }
  std::vector<int64_t> tuple() {
    expect('(');
    std::vector<int64_t> dims;
    for (;;) {
      space();
      if (peek() == ')') {
        ++i_;
        break;
      }
      if (peek() == '-') fail("a dimension of the shape is negative");
      if (peek() < '0' || peek() > '9') fail(fmt::format("expected a dimension (an integer) at byte {}", i_));
      int64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) fail("a dimension of the shape is too large");
        v = v * 10 + (peek() - '0');
        ++i_;
      }
      if (peek() == 'L') ++i_;  // Python 2's long literals
      dims.push_back(v);
      if (dims.size() > static_cast<size_t>(Shape::kMaxRank)) {
        fail(fmt::format("the shape has more than {} dimensions, the most an initlab tensor has", Shape::kMaxRank));
      }
      space();
      if (peek() == ',') {
        ++i_;
      } else if (peek() != ')') {
        fail(fmt::format("expected ',' or ')' in the shape at byte {}", i_));
      }
    }
    return dims;
  }

  std::string_view s_;
  const std::string& where_;
  size_t i_ = 0;
};

// The prefix and header. `read(offset, n)` gives up to n bytes of the file from offset.
Header read_header(const std::function<std::string(size_t, size_t)>& read, const std::string& where,
                   bool any_dtype = false) {
  const std::string prefix = read(0, 12);
  if (prefix.size() < 10 || prefix.compare(0, kMagicLen, kMagic, kMagicLen) != 0) {
    throw IoError(fmt::format("{}: not a .npy file (expected the magic \\x93NUMPY at byte 0)", where));
  }
  const int major = static_cast<unsigned char>(prefix[6]), minor = static_cast<unsigned char>(prefix[7]);
  size_t header_len = 0, offset = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(prefix[8]) | static_cast<unsigned char>(prefix[9]) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (prefix.size() < 12) throw IoError(fmt::format("{}: truncated .npy header", where));
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(prefix[8 + i])) << (8 * i);
    offset = 12;
  } else {
    throw IoError(fmt::format("{}: .npy format version {}.{} is not supported (expected 1.0, 2.0 or 3.0)", where,
                              major, minor));
  }
  if (minor != 0) {
    throw IoError(fmt::format("{}: .npy format version {}.{} is not supported (expected 1.0, 2.0 or 3.0)", where,
                              major, minor));
  }
  if (header_len > kMaxHeader) {
    throw IoError(fmt::format("{}: the .npy header is {} bytes long; NumPy and initlab read at most {}", where,
                              header_len, kMaxHeader));
  }
  const std::string text = read(offset, header_len);
  if (text.size() < header_len) {
    throw IoError(fmt::format("{}: header needs {} bytes, file has {}", where, offset + header_len,
                              offset + text.size()));
  }
  Header h = DictParser(text, where).parse();
  h.data_at = offset + header_len;
  if (any_dtype) return h;
  if (h.descr != "<f4") {
    const bool numeric = h.descr.size() >= 3 && std::string_view("<>|=").find(h.descr[0]) != std::string_view::npos &&
                         std::string_view("fiub").find(h.descr[1]) != std::string_view::npos;
    throw IoError(fmt::format("{}: dtype '{}' is not supported (expected '<f4', float32 little-endian{})", where,
                              excerpt(h.descr), numeric ? "; save it with a.astype(np.float32)" : ""));
  }
  return h;
}

// The shape, with its data size checked against what the file holds.
Shape checked_shape(const Header& h, uint64_t file_size, const std::string& where, size_t element_size = sizeof(float)) {
  uint64_t count = 1;
  for (int64_t d : h.dims) count = bytes_of(count, static_cast<uint64_t>(d));
  const uint64_t need = bytes_of(count, element_size);
  const uint64_t have = file_size - h.data_at;
  const std::string shape_text =
      h.dims.size() == 1 ? fmt::format("({},)", h.dims[0]) : fmt::format("({})", fmt::join(h.dims, ", "));
  if (need != have) {
    throw IoError(fmt::format("{}: shape {} needs {} bytes of data, found {}", where, shape_text,
                              need == std::numeric_limits<uint64_t>::max() ? "more than 2^64" : std::to_string(need),
                              have));
  }
  return Shape(h.dims);
}

// Column-major data (elements of `size` bytes) rearranged into C order.
std::string bytes_to_c_order(const std::string& f, const std::vector<int64_t>& dims, size_t size) {
  const size_t rank = dims.size();
  if (rank < 2 || f.empty()) return f;
  std::string c(f.size(), '\0');
  std::vector<int64_t> stride(rank), idx(rank, 0);
  int64_t s = 1;
  for (size_t k = 0; k < rank; ++k) {
    stride[k] = s;
    s *= dims[k];
  }
  int64_t src = 0;
  const size_t n = f.size() / size;
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(&c[i * size], &f[static_cast<size_t>(src) * size], size);
    for (size_t k = rank; k-- > 0;) {
      if (++idx[k] < dims[k]) {
        src += stride[k];
        break;
      }
      src -= (idx[k] - 1) * stride[k];
      idx[k] = 0;
    }
  }
  return c;
}

void check_finite(const Tensor& t, const std::string& where) {
  const float* v = t.data();
  for (int64_t i = 0; i < t.size(); ++i) {
    if (std::isfinite(v[i])) continue;
    std::vector<int64_t> idx(static_cast<size_t>(t.rank()));
    int64_t r = i;
    for (int k = t.rank() - 1; k >= 0; --k) {
      idx[static_cast<size_t>(k)] = r % t.dim(k);
      r /= t.dim(k);
    }
    throw IoError(fmt::format("{}: value {} (element ({})) is {}; expected finite values", where, i,
                              fmt::join(idx, ", "), std::isnan(v[i]) ? "nan" : (v[i] > 0 ? "inf" : "-inf")));
  }
}

Tensor finish(Tensor t, const Header& h, const std::string& where) {
  if (h.fortran_order && t.rank() > 1) {
    const size_t n = static_cast<size_t>(t.size()) * sizeof(float);
    const std::string c = bytes_to_c_order(std::string(reinterpret_cast<const char*>(t.data()), n), h.dims, sizeof(float));
    std::memcpy(t.data(), c.data(), n);
  }
  check_finite(t, where);
  return t;
}

// NumPy's descr for a dtype ('<f4', '|u1', '|b1') and back; the byte order of
// a descr read is returned in `big_endian`.
std::string descr_of(DType t) {
  switch (t) {
    case DType::kBool: return "|b1";
    case DType::kU8: return "|u1";
    case DType::kI8: return "|i1";
    case DType::kI16: return "<i2";
    case DType::kU16: return "<u2";
    case DType::kF16: return "<f2";
    case DType::kI32: return "<i4";
    case DType::kU32: return "<u4";
    case DType::kF32: return "<f4";
    case DType::kF64: return "<f8";
    case DType::kI64: return "<i8";
    case DType::kU64: return "<u8";
    case DType::kBF16: break;
  }
  throw ValueError(fmt::format("{} has no NumPy dtype (.npy cannot hold it)", dtype_name(t)));
}

DType dtype_of_descr(const std::string& descr, bool& big_endian, const std::string& where) {
  const auto refuse = [&] {
    return IoError(fmt::format("{}: dtype '{}' is not supported (expected a numeric NumPy dtype: bool, int8–int64, "
                               "uint8–uint64, float16, float32 or float64)",
                               where, excerpt(descr)));
  };
  if (descr.size() != 3 || std::string_view("<>|=").find(descr[0]) == std::string_view::npos) throw refuse();
  big_endian = descr[0] == '>';
  const char kind = descr[1], size = descr[2];
  static constexpr struct {
    char kind, size;
    DType t;
  } kTable[] = {{'b', '1', DType::kBool}, {'u', '1', DType::kU8},  {'i', '1', DType::kI8},  {'i', '2', DType::kI16},
                {'u', '2', DType::kU16},  {'f', '2', DType::kF16}, {'i', '4', DType::kI32}, {'u', '4', DType::kU32},
                {'f', '4', DType::kF32},  {'f', '8', DType::kF64}, {'i', '8', DType::kI64}, {'u', '8', DType::kU64}};
  for (const auto& e : kTable) {
    if (e.kind == kind && e.size == size) return e.t;
  }
  throw refuse();
}

std::string shape_literal(const Shape& shape) {
  std::string out = "(";
  for (int i = 0; i < shape.rank(); ++i) out += fmt::format("{}, ", shape[i]);
  if (shape.rank() > 1) out.resize(out.size() - 2);  // "(784, 64)"; rank 1 keeps "(7, )" → "(7,)"
  if (shape.rank() == 1) out.resize(out.size() - 1);
  return out + ")";
}

// Magic, version 1.0, the header padded to 64 bytes, then `data`.
std::string npy_bytes(const std::string& descr, const Shape& shape, const char* data, size_t size) {
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, shape_literal(shape));
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
  out.append(data, size);
  return out;
}

}  // namespace

std::string encode_npy(const Tensor& t) {
  return npy_bytes("<f4", t.shape(), reinterpret_cast<const char*>(t.data()), static_cast<size_t>(t.size()) * sizeof(float));
}

std::string encode_npy(const StoredTensor& t) {
  const uint64_t want = bytes_of(static_cast<uint64_t>(t.numel()), dtype_size(t.dtype));
  if (t.bytes.size() != want) {
    throw ValueError(fmt::format("tensor '{}': {} bytes for {} {}, which needs {}", t.name, t.bytes.size(),
                                 dtype_name(t.dtype), t.shape.str(), want));
  }
  return npy_bytes(descr_of(t.dtype), t.shape, t.bytes.data(), t.bytes.size());
}

StoredTensor decode_npy_stored(std::string_view bytes, std::string name, const std::string& where) {
  const Header h = read_header(
      [&](size_t at, size_t n) { return at >= bytes.size() ? std::string() : std::string(bytes.substr(at, n)); }, where,
      true);
  bool big_endian = false;
  StoredTensor t;
  t.name = std::move(name);
  t.dtype = dtype_of_descr(h.descr, big_endian, where);
  const size_t size = dtype_size(t.dtype);
  t.shape = checked_shape(h, bytes.size(), where, size);
  require_memory(bytes.size() - h.data_at, fmt::format("{}: {} {}", where, dtype_name(t.dtype), t.shape.str()));
  t.bytes.assign(bytes.substr(h.data_at));
  if (big_endian && size > 1) {
    for (size_t i = 0; i < t.bytes.size(); i += size) std::reverse(t.bytes.begin() + static_cast<std::ptrdiff_t>(i),
                                                                   t.bytes.begin() + static_cast<std::ptrdiff_t>(i + size));
  }
  if (h.fortran_order) t.bytes = bytes_to_c_order(t.bytes, h.dims, size);
  return t;
}

Tensor decode_npy(const std::string& bytes, const std::string& where) {
  const Header h = read_header(
      [&](size_t at, size_t n) { return at >= bytes.size() ? std::string() : bytes.substr(at, n); }, where);
  const Shape shape = checked_shape(h, bytes.size(), where);
  Tensor t(shape);
  std::memcpy(t.data(), bytes.data() + h.data_at, static_cast<size_t>(t.size()) * sizeof(float));
  return finish(std::move(t), h, where);
}

void save_npy(const std::string& path, const Tensor& t) { write_file_atomically(path, encode_npy(t)); }

Tensor load_npy(const std::string& path) {
  InputFile f(path);
  // Up to n bytes from offset `at`.
  const auto read_at = [&](uint64_t at, char* buf, size_t n) {
    size_t done = 0;
    while (done < n) {
      const ssize_t got = ::pread(f.fd(), buf + done, n - done, static_cast<off_t>(at + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw IoError(fmt::format("{}: read error: {}", path, std::strerror(errno)));
      if (got == 0) break;
      done += static_cast<size_t>(got);
    }
    return done;
  };
  const Header h = read_header(
      [&](size_t at, size_t n) {
        std::string buf(n, '\0');
        buf.resize(read_at(at, buf.data(), n));
        return buf;
      },
      path);
  const Shape shape = checked_shape(h, f.size(), path);
  Tensor t(shape);  // checks the memory budget
  const size_t want = static_cast<size_t>(t.size()) * sizeof(float);
  const size_t got = read_at(h.data_at, reinterpret_cast<char*>(t.data()), want);
  if (got != want) {
    throw IoError(fmt::format("{}: shape {} needs {} bytes of data, found {}", path, shape.str(), want, got));
  }
  return finish(std::move(t), h, path);
}

}  // namespace initlab
