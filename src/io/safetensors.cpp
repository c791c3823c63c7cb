#include "initlab/io/safetensors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <string_view>
#include <vector>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/input_file.hpp"
#include "initlab/core/json_text.hpp"
#include "initlab/core/memory_budget.hpp"
#include "initlab/core/suggest.hpp"

namespace initlab {
namespace {

using nlohmann::json;

static_assert(std::endian::native == std::endian::little, "initlab's safetensors I/O assumes a little-endian host");

// The reference's enum Dtype, declared in increasing alignment order; `rank` is
// the position in that order (the writer sorts by it, descending). `held` is
// initlab's dtype when it has one.
struct SafeDType {
  const char* name;
  uint64_t bits;
  int rank;
  std::optional<DType> held;
};

constexpr std::array<SafeDType, 22> kSafeDTypes{{
    {"BOOL", 8, 0, DType::kBool},     {"F4", 4, 1, std::nullopt},         {"F6_E2M3", 6, 2, std::nullopt},
    {"F6_E3M2", 6, 3, std::nullopt},  {"U8", 8, 4, DType::kU8},           {"I8", 8, 5, DType::kI8},
    {"F8_E5M2", 8, 6, std::nullopt},  {"F8_E4M3", 8, 7, std::nullopt},    {"F8_E8M0", 8, 8, std::nullopt},
    {"F8_E4M3FNUZ", 8, 9, std::nullopt}, {"F8_E5M2FNUZ", 8, 10, std::nullopt}, {"I16", 16, 11, DType::kI16},
    {"U16", 16, 12, DType::kU16},     {"F16", 16, 13, DType::kF16},       {"BF16", 16, 14, DType::kBF16},
    {"I32", 32, 15, DType::kI32},     {"U32", 32, 16, DType::kU32},       {"F32", 32, 17, DType::kF32},
    {"C64", 64, 18, std::nullopt},    {"F64", 64, 19, DType::kF64},       {"I64", 64, 20, DType::kI64},
    {"U64", 64, 21, DType::kU64},
}};

const SafeDType* find_safe_dtype(std::string_view name) {
  for (const auto& d : kSafeDTypes) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

const SafeDType& safe_dtype_of(DType t) {
  for (const auto& d : kSafeDTypes) {
    if (d.held == t) return d;
  }
  throw ValueError(fmt::format("dtype {} has no safetensors name", dtype_name(t)));
}

// The byte offset of the first ill-formed UTF-8 sequence (overlong forms,
// surrogates and code points above U+10FFFF included), or npos.
size_t invalid_utf8_at(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07u;
    } else {
      return i;
    }
    if (i + n >= s.size()) return i;
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (d & 0x3Fu);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += n + 1;
  }
  return std::string_view::npos;
}

uint64_t load_u64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// a · b, or nothing when it overflows.
std::optional<uint64_t> checked_mul(uint64_t a, uint64_t b) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) return std::nullopt;
  return a * b;
}

std::string in_quotes(std::string_view name) { return "'" + text_excerpt(name, 80) + "'"; }

// One tensor entry of the header, as the schema reads it.
struct Entry {
  std::string name;
  const SafeDType* dtype = nullptr;
  std::vector<uint64_t> shape;
  uint64_t begin = 0, end = 0;
};

class HeaderReader {
 public:
  HeaderReader(const std::string& where) : where_(where) {}

  [[noreturn]] void fail(const std::string& what, const char* rule) const {
    throw FormatError(fmt::format("{}: safetensors header: {} ({})", where_, what, rule));
  }

  // The JSON text parsed: UTF-8 first, then syntax, duplicate keys and depth.
  json parse(std::string_view text) const {
    if (const size_t at = invalid_utf8_at(text); at != std::string_view::npos) {
      fail(fmt::format("byte {} of the header is not UTF-8 (the header is a UTF-8 JSON text)", 8 + at),
           "InvalidHeader");
    }
    require_memory(json_memory_estimate(text), where_ + ": safetensors header");
    // One set of keys per open object: a key seen twice in the same object is refused.
    std::vector<std::set<std::string, std::less<>>> keys;
    std::vector<bool> is_object;
    const json::parser_callback_t watch = [&](int depth, json::parse_event_t event, json& parsed) {
      switch (event) {
        case json::parse_event_t::object_start:
        case json::parse_event_t::array_start:
          if (depth >= kMaxJsonDepth) {
            fail(fmt::format("nested deeper than {} levels", kMaxJsonDepth), "InvalidHeaderDeserialization");
          }
          is_object.push_back(event == json::parse_event_t::object_start);
          keys.emplace_back();
          break;
        case json::parse_event_t::object_end:
        case json::parse_event_t::array_end:
          if (!keys.empty()) keys.pop_back(), is_object.pop_back();
          break;
        case json::parse_event_t::key: {
          const std::string& key = parsed.get_ref<const std::string&>();
          if (!keys.empty() && !keys.back().insert(key).second) {
            fail(fmt::format("the key {} appears twice in one object (each name must be unique)", in_quotes(key)),
                 "InvalidHeaderDeserialization");
          }
          break;
        }
        default: break;
      }
      return true;
    };
    try {
      return json::parse(text, watch);
    } catch (const json::exception& e) {
      fail(fmt::format("not valid JSON: {}", e.what()), "InvalidHeaderDeserialization");
    }
  }

  // The schema: an object of tensor entries and an optional __metadata__ of strings.
  std::vector<Entry> entries(const json& doc, std::map<std::string, std::string>& metadata) const {
    if (!doc.is_object()) {
      fail(fmt::format("expected a JSON object, found {}", json_excerpt(doc)), "InvalidHeaderDeserialization");
    }
    std::vector<Entry> out;
    for (const auto& [name, value] : doc.items()) {
      if (name == "__metadata__") {
        read_metadata(value, metadata);
      } else {
        out.push_back(entry(name, value));
      }
    }
    return out;
  }

  // Metadata::validate, in the reference's order: offsets, then sizes, then the buffer's end.
  void validate(std::vector<Entry>& entries, uint64_t buffer_size) const {
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
    uint64_t start = 0;
    for (const Entry& e : entries) {
      if (e.begin != start || e.end < e.begin) {
        fail(fmt::format("tensor {}: data_offsets [{}, {}] should start at {}, where the previous tensor's data "
                         "ends, and not end before they begin (no gaps or overlaps)",
                         in_quotes(e.name), e.begin, e.end, start),
             "InvalidOffset");
      }
      std::optional<uint64_t> count = 1;
      for (uint64_t d : e.shape) count = count ? checked_mul(*count, d) : std::nullopt;
      const std::optional<uint64_t> bits = count ? checked_mul(*count, e.dtype->bits) : std::nullopt;
      if (!bits) {
        fail(fmt::format("tensor {}: the size of shape {} in {} overflows 64 bits", in_quotes(e.name),
                         shape_text(e.shape), e.dtype->name),
             "ValidationOverflow");
      }
      if (*bits % 8 != 0) {
        fail(fmt::format("tensor {}: {} {} is {} bits, not a whole number of bytes", in_quotes(e.name), e.dtype->name,
                         shape_text(e.shape), *bits),
             "MisalignedSlice");
      }
      if (e.end - e.begin != *bits / 8) {
        fail(fmt::format("tensor {}: {} {} needs {} bytes, but data_offsets [{}, {}] hold {}", in_quotes(e.name),
                         e.dtype->name, shape_text(e.shape), *bits / 8, e.begin, e.end, e.end - e.begin),
             "TensorInvalidInfo");
      }
      start = e.end;
    }
    if (start != buffer_size) {
      fail(fmt::format("the tensors' data ends at byte {} of the byte buffer, but the buffer after the header has {} "
                       "bytes (no missing or trailing bytes are allowed)",
                       start, buffer_size),
           "MetadataIncompleteBuffer");
    }
  }

  static std::string shape_text(const std::vector<uint64_t>& shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

 private:
  void read_metadata(const json& value, std::map<std::string, std::string>& metadata) const {
    if (value.is_null()) return;  // Option<HashMap>: null is "no metadata"
    if (!value.is_object()) {
      fail(fmt::format("__metadata__: expected an object of strings, found {}", json_excerpt(value)),
           "InvalidHeaderDeserialization");
    }
    for (const auto& [key, text] : value.items()) {
      if (!text.is_string()) {
        fail(fmt::format("__metadata__ {}: expected a string value (metadata is string to string), found {}",
                         in_quotes(key), json_excerpt(text)),
             "InvalidHeaderDeserialization");
      }
      metadata[key] = text.get<std::string>();
    }
  }

  Entry entry(const std::string& name, const json& value) const {
    const auto bad = [&](const std::string& what) {
      fail(fmt::format("tensor {}: {}", in_quotes(name), what), "InvalidHeaderDeserialization");
    };
    if (!value.is_object()) bad(fmt::format("expected an object with dtype, shape and data_offsets, found {}",
                                            json_excerpt(value)));
    Entry e;
    e.name = name;
    for (const char* field : {"dtype", "shape", "data_offsets"}) {
      if (!value.contains(field)) bad(fmt::format("the field '{}' is missing", field));
    }
    const json& dtype = value.at("dtype");
    if (!dtype.is_string()) bad(fmt::format("dtype: expected a string such as \"F32\", found {}", json_excerpt(dtype)));
    e.dtype = find_safe_dtype(dtype.get_ref<const std::string&>());
    if (e.dtype == nullptr) {
      bad(fmt::format("unknown dtype {} (safetensors has BOOL, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, "
                      "I64, U64, C64, F4, F6_*, F8_*)",
                      json_excerpt(dtype)));
    }
    const json& shape = value.at("shape");
    if (!shape.is_array()) bad(fmt::format("shape: expected a list of sizes, found {}", json_excerpt(shape)));
    for (const json& d : shape) {
      if (!d.is_number_unsigned()) {
        bad(fmt::format("shape: expected sizes (whole numbers >= 0), found {}", json_excerpt(shape)));
      }
      e.shape.push_back(d.get<uint64_t>());
    }
    const json& offsets = value.at("data_offsets");
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned()) {
      bad(fmt::format("data_offsets: expected [begin, end], two whole numbers >= 0, found {}", json_excerpt(offsets)));
    }
    e.begin = offsets[0].get<uint64_t>();
    e.end = offsets[1].get<uint64_t>();
    return e;
  }

  const std::string& where_;
};

void append_u64(std::string& out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, sizeof v);
  out.append(b, sizeof b);
}

// A JSON string as serde_json writes it (nlohmann escapes the same characters).
std::string json_string(const std::string& s, const std::string& what) {
  if (const size_t at = invalid_utf8_at(s); at != std::string_view::npos) {
    throw ValueError(fmt::format("{} {}: byte {} is not UTF-8; safetensors names are UTF-8 text", what, in_quotes(s), at));
  }
  return json(s).dump();
}

}  // namespace

std::string safetensors_dtype_name(DType t) { return safe_dtype_of(t).name; }

std::string encode_safetensors(const TensorSet& set) {
  std::vector<const StoredTensor*> order;
  for (const auto& t : set.tensors()) {
    const uint64_t want = bytes_of(static_cast<uint64_t>(t.numel()), dtype_size(t.dtype));
    if (t.bytes.size() != want) {
      throw ValueError(fmt::format("tensor {}: {} bytes of data for {} {}, which needs {}", in_quotes(t.name),
                                   t.bytes.size(), dtype_name(t.dtype), t.shape.str(), want));
    }
    order.push_back(&t);
  }
  // prepare(): dtype descending in the enum's order (largest alignment first), then name.
  std::stable_sort(order.begin(), order.end(), [](const StoredTensor* a, const StoredTensor* b) {
    const int ra = safe_dtype_of(a->dtype).rank, rb = safe_dtype_of(b->dtype).rank;
    return ra != rb ? ra > rb : a->name < b->name;
  });
  std::string header = "{";
  if (!set.metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [key, value] : set.metadata) {
      if (!first) header += ',';
      first = false;
      header += json_string(key, "metadata key") + ':' + json_string(value, "metadata value");
    }
    header += '}';
  }
  uint64_t offset = 0;
  for (const StoredTensor* t : order) {
    if (header.size() > 1) header += ',';
    std::string dims;
    for (int64_t d : t->shape.dims()) dims += (dims.empty() ? "" : ",") + std::to_string(d);
    header += fmt::format("{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}",
                          json_string(t->name, "tensor name"), safe_dtype_of(t->dtype).name, dims, offset,
                          offset + t->bytes.size());
    offset += t->bytes.size();
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');  // N a multiple of 8: tensors start aligned
  if (header.size() > kSafetensorsMaxHeader) {
    throw ValueError(fmt::format("the safetensors header would be {} bytes; the format allows at most {} "
                                 "(HeaderTooLarge)",
                                 header.size(), kSafetensorsMaxHeader));
  }
  require_memory(8 + header.size() + offset, "safetensors file");
  std::string out;
  out.reserve(8 + header.size() + offset);
  append_u64(out, header.size());
  out += header;
  for (const StoredTensor* t : order) out += t->bytes;
  return out;
}

TensorSet decode_safetensors(std::string bytes, const std::string& where) {
  const HeaderReader reader(where);
  if (bytes.size() < 8) {
    throw FormatError(fmt::format("{}: a safetensors file starts with an 8-byte header length; the file has {} bytes "
                                  "(HeaderTooSmall)",
                                  where, bytes.size()));
  }
  const uint64_t n = load_u64(bytes.data());
  if (n > kSafetensorsMaxHeader) {
    throw FormatError(fmt::format("{}: the safetensors header length is {} bytes; at most {} are allowed "
                                  "(HeaderTooLarge)",
                                  where, n, kSafetensorsMaxHeader));
  }
  if (8 + n > bytes.size()) {
    throw FormatError(fmt::format("{}: the safetensors header length says {} bytes, but only {} follow the first 8 "
                                  "(InvalidHeaderLength)",
                                  where, n, bytes.size() - 8));
  }
  TensorSet set;
  const json doc = reader.parse(std::string_view(bytes).substr(8, n));
  std::vector<Entry> entries = reader.entries(doc, set.metadata);
  const uint64_t buffer_size = bytes.size() - 8 - n;
  reader.validate(entries, buffer_size);
  for (const Entry& e : entries) {
    if (!e.dtype->held) {
      throw FormatError(fmt::format("{}: tensor {}: dtype {} is valid safetensors but initlab holds only BOOL, U8, "
                                    "I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64 and U64",
                                    where, in_quotes(e.name), e.dtype->name));
    }
    if (e.shape.size() > static_cast<size_t>(Shape::kMaxRank)) {
      throw FormatError(fmt::format("{}: tensor {}: shape {} has {} dimensions; initlab tensors have at most {}",
                                    where, in_quotes(e.name), HeaderReader::shape_text(e.shape), e.shape.size(),
                                    Shape::kMaxRank));
    }
    for (uint64_t d : e.shape) {
      if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw FormatError(fmt::format("{}: tensor {}: size {} of shape {} is beyond int64", where, in_quotes(e.name), d,
                                      HeaderReader::shape_text(e.shape)));
      }
    }
  }
  require_memory(buffer_size, where + ": safetensors tensors");
  const uint64_t data_at = 8 + n;
  for (const Entry& e : entries) {
    StoredTensor t;
    t.name = e.name;
    t.dtype = *e.dtype->held;
    t.shape = Shape(std::vector<int64_t>(e.shape.begin(), e.shape.end()));
    t.bytes.assign(bytes, data_at + e.begin, e.end - e.begin);
    set.add(std::move(t), where);
  }
  return set;
}

void save_safetensors(const std::string& path, const TensorSet& set) {
  write_file_atomically(path, encode_safetensors(set));
}

TensorSet load_safetensors(const std::string& path) { return decode_safetensors(read_file(path), path); }

}  // namespace initlab
