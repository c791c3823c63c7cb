#include "initlab/core/json_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "initlab/core/error.hpp"
#include "initlab/core/memory_budget.hpp"
#include "initlab/core/suggest.hpp"

namespace initlab {
namespace {

using nlohmann::json;

// What one pass over the tokens of a text finds: where it first nests too
// deep, and the counts the memory estimate needs.
struct TokenCounts {
  size_t too_deep_at = std::string_view::npos;
  uint64_t arrays = 0, objects = 0, commas = 0, colons = 0, strings = 0, long_strings = 0, long_string_bytes = 0;
  uint64_t longest_string = 0;
};

// Strings up to this length live inside std::string (libstdc++'s small-string buffer).
constexpr size_t kShortString = 15;

TokenCounts count_tokens(std::string_view t) {
  TokenCounts c;
  int depth = 0;
  const size_t n = t.size();
  for (size_t i = 0; i < n; ++i) {
    switch (t[i]) {
      case '"': {
        size_t j = i + 1;
        while (j < n && t[j] != '"') j += t[j] == '\\' ? 2 : 1;
        const size_t len = std::min(j, n) - i - 1;
        ++c.strings;
        if (len > kShortString) {
          ++c.long_strings;
          c.long_string_bytes += len;
          c.longest_string = std::max<uint64_t>(c.longest_string, len);
        }
        i = j;
        break;
      }
      case '[':
      case '{':
        ++(t[i] == '[' ? c.arrays : c.objects);
        if (++depth > kMaxJsonDepth) {
          c.too_deep_at = i;
          return c;
        }
        break;
      case ']':
      case '}': --depth; break;
      case ',': ++c.commas; break;
      case ':': ++c.colons; break;
      default: break;
    }
  }
  return c;
}

// 1-based line and column of byte `at`.
std::pair<size_t, size_t> line_and_column(std::string_view text, size_t at) {
  at = std::min(at, text.size());
  const size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  const size_t nl = at == 0 ? std::string_view::npos : text.rfind('\n', at - 1);
  return {line, nl == std::string_view::npos ? at + 1 : at - nl};
}

std::string located(std::string_view text, const std::string& source, size_t at) {
  const auto [line, col] = line_and_column(text, at);
  return fmt::format("{}:{}:{}", source, line, col);
}

// nlohmann's DOM builder, with errors that carry the line and column: the
// parser hands parse_error() the position (a number overflow, 406, reaches the
// caller without one otherwise).
class LocatingDomParser {
 public:
  LocatingDomParser(json& result, std::string_view text, const std::string& source)
      : dom_(result, true), text_(text), source_(source) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const json::string_t& s) { return dom_.number_float(v, s); }
  bool string(json::string_t& v) { return dom_.string(v); }
  bool binary(json::binary_t& v) { return dom_.binary(v); }
  bool start_object(std::size_t n) { return dom_.start_object(n); }
  bool key(json::string_t& v) { return dom_.key(v); }
  bool end_object() { return dom_.end_object(); }
  bool start_array(std::size_t n) { return dom_.start_array(n); }
  bool end_array() { return dom_.end_array(); }

  bool parse_error(std::size_t position, const std::string& last_token, const nlohmann::detail::exception& e) {
    if (e.id == 406) {  // number overflow: position is just past the number
      const size_t at = position >= last_token.size() ? position - last_token.size() : 0;
      throw ConfigError(fmt::format("{}: number out of range: {} (a JSON number must lie within ±1.8e308)",
                                    located(text_, source_, at), text_excerpt(last_token, 40)));
    }
    // The byte where parsing stopped.
    const size_t at = position == 0 ? 0 : position - 1;
    std::string what = e.what();
    if (auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
    throw ConfigError(fmt::format("{}: not valid JSON: {}", located(text_, source_, at), text_excerpt(what, 200)));
  }

 private:
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::string_view text_;
  const std::string& source_;
};

void excerpt_into(const json& v, std::string& out, size_t limit) {
  if (out.size() > limit) return;
  switch (v.type()) {
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (out.size() > limit) return;
        if (!first) out += ", ";
        first = false;
        excerpt_into(e, out, limit);
      }
      out += ']';
      return;
    }
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (out.size() > limit) return;
        if (!first) out += ", ";
        first = false;
        out += json(text_excerpt(k, limit)).dump(-1, ' ', false, json::error_handler_t::replace);
        out += ": ";
        excerpt_into(e, out, limit);
      }
      out += '}';
      return;
    }
    case json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      // Only the part that can be shown is escaped (the rest could be megabytes).
      const size_t room = limit + 1 - std::min(out.size(), limit);
      std::string part = s.substr(0, std::min(s.size(), room));
      out += json(part).dump(-1, ' ', false, json::error_handler_t::replace);
      if (part.size() < s.size()) out += "...";
      return;
    }
    default: out += v.dump(-1, ' ', false, json::error_handler_t::replace); return;
  }
}

}  // namespace

// nlohmann::json on x86-64 with libstdc++ and glibc's malloc: a value is 16
// bytes; an array is a heap std::vector (32 bytes with malloc's header) whose
// buffer doubles as it grows (up to 48 bytes per element while the old and the
// new buffer coexist); an object is a heap std::map (64) with one 96-byte node
// per member (key std::string, value, tree links); a string value is a heap
// std::string (48), plus its characters and a 16-byte header when longer than
// 15 characters; the lexer's token buffer, doubling as it grows, holds up to 4×
// the longest string while it is read. A count of commas bounds the elements
// of arrays (every element after the first follows one); colons count object
// members exactly.
//
// Measured (operator new counting malloc_usable_size, glibc 2.36, nlohmann
// 3.11.2): the peak during the parse as a multiple of the text's size, and
// this estimate over that peak:
//   [0,1,2,...]           2M small integers          12.6×   1.91
//   [0.123456789,...]     2M floats                   2.1×   1.91
//   [[],[],...]           2M empty arrays            17.7×   2.42
//   [{},{},...]           2M empty objects           28.3×   1.32
//   [{"a":1},...]         2M small objects           22.1×   1.45
//   ["","",...]           2M empty strings           21.6×   1.48
//   {"k0":"<20 chars>"..} 2M string members           5.3×   1.57
//   {"k0":1,...}          2M integer members          7.7×   2.00
//   "<20 MB>"             one long string             4.3×   1.18
//   2000 × examples/configs/fashion_cnn.json          3.9×   1.65
// The worst text is thus ~28× its size; the estimate is never below the peak.
namespace {

uint64_t estimate(const TokenCounts& c) {
  const uint64_t slots = c.commas + c.arrays + 1;
  uint64_t bytes = 0;
  bytes += bytes_of(slots, 48);
  bytes += bytes_of(c.arrays, 32);
  bytes += bytes_of(c.objects, 64);
  bytes += bytes_of(c.colons, 96);
  bytes += bytes_of(c.strings, 48);
  bytes += c.long_string_bytes + bytes_of(c.long_strings, 17) + bytes_of(c.longest_string, 4);
  return bytes;
}

}  // namespace

bool json_nested_deeper_than(const nlohmann::json& value, int limit) {
  // Depth-first with an explicit stack of (container, depth); leaves are skipped.
  std::vector<std::pair<const nlohmann::json*, int>> todo;
  if (value.is_structured()) todo.emplace_back(&value, 1);
  while (!todo.empty()) {
    const auto [v, depth] = todo.back();
    todo.pop_back();
    if (depth > limit) return true;
    for (const auto& child : *v) {
      if (child.is_structured()) todo.emplace_back(&child, depth + 1);
    }
  }
  return false;
}

uint64_t json_memory_estimate(std::string_view text) { return estimate(count_tokens(text)); }

json parse_json_text(std::string_view text, const std::string& source) {
  const TokenCounts c = count_tokens(text);
  if (c.too_deep_at != std::string_view::npos) {
    throw ConfigError(fmt::format("{}: JSON nested deeper than {} levels (initlab reads model and config files, "
                                  "which nest a few levels)",
                                  located(text, source, c.too_deep_at), kMaxJsonDepth));
  }
  if (text.size() > (64u << 10)) {
    require_memory(estimate(c),
                   fmt::format("{}: parsing this {} JSON document", source, format_bytes(text.size())));
  }
  json result;
  LocatingDomParser sax(result, text, source);
  json::sax_parse(text, &sax);
  return result;
}

std::string json_excerpt(const json& value, size_t max_chars) {
  std::string out;
  excerpt_into(value, out, max_chars);
  if (out.size() <= max_chars) return out;
  out.resize(max_chars > 3 ? max_chars - 3 : 0);
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0xC0) out.pop_back();
  out += "...";
  if (value.is_array()) out += fmt::format(" (a list of {} elements)", value.size());
  if (value.is_object()) out += fmt::format(" (an object of {} fields)", value.size());
  return out;
}

}  // namespace initlab
