#include "initlab/core/safe_path.hpp"

#include <fmt/format.h>

#include "initlab/core/error.hpp"

namespace initlab {
namespace {

// Bytes of the valid UTF-8 sequence starting at s[i] (2-4), or 0 when it is not one.
size_t utf8_length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (b & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and code points beyond U+10FFFF.
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

std::string excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return s.size() > 40 ? out + "…" : out;
}

}  // namespace

std::string file_name_from(std::string_view name, std::string_view what) {
  std::string out;
  for (size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c >= 0x80) {
      const size_t n = utf8_length(name, i);
      if (n == 0) {
        if (out.size() + 1 > kMaxFileNameBytes) break;
        out += '_';
        ++i;
        continue;
      }
      if (out.size() + n > kMaxFileNameBytes) break;
      out.append(name.substr(i, n));
      i += n;
      continue;
    }
    const bool unsafe = c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == ':' || c == '*' || c == '?' ||
                        c == '"' || c == '<' || c == '>' || c == '|';
    if (out.size() + 1 > kMaxFileNameBytes) break;
    out += unsafe ? '_' : static_cast<char>(c);
    ++i;
  }
  const auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) {
    throw ValueError(fmt::format("{} '{}' cannot name a file: it is empty", what, excerpt(name)));
  }
  out = out.substr(first, out.find_last_not_of(' ') - first + 1);
  for (char& c : out) {
    if (c != '.') break;
    c = '_';
  }
  return out;
}

}  // namespace initlab
