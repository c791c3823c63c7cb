#include "cli_text.hpp"

#include <fmt/format.h>


#include "initlab/core/suggest.hpp"

namespace initlab::app {
namespace {

// Control characters as C escapes; the rest (UTF-8 included) unchanged. Only
// the first `limit` bytes are looked at: what lies beyond is cut anyway.
std::string escape_controls(const std::string& s, size_t limit) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7F) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return out;
}

std::string short_form(const std::string& s, size_t max_chars) {
  const std::string escaped = escape_controls(s, 4 * max_chars);
  if (escaped.size() <= max_chars && s.size() <= 4 * max_chars) return escaped;
  // Cut the escaped text, and say the length of the original.
  std::string cut = text_excerpt(escaped, max_chars);
  const size_t open = cut.rfind("... (");
  if (open != std::string::npos) cut = fmt::format("{}... ({} bytes)", cut.substr(0, open), s.size());
  else cut = fmt::format("{}... ({} bytes)", cut, s.size());
  return cut;
}

// Where `pattern` starts in `text`, by Knuth–Morris–Pratt: linear however
// repetitive both are ("[[[[..." inside "[[[[...").
std::vector<size_t> occurrences(const std::string& text, const std::string& pattern) {
  std::vector<size_t> hits;
  if (pattern.empty()) return hits;
  std::vector<size_t> border(pattern.size(), 0);
  for (size_t i = 1, k = 0; i < pattern.size(); ++i) {
    while (k > 0 && pattern[i] != pattern[k]) k = border[k - 1];
    if (pattern[i] == pattern[k]) ++k;
    border[i] = k;
  }
  for (size_t i = 0, k = 0; i < text.size(); ++i) {
    while (k > 0 && text[i] != pattern[k]) k = border[k - 1];
    if (text[i] == pattern[k]) ++k;
    if (k == pattern.size()) {
      hits.push_back(i + 1 - k);
      k = border[k - 1];
    }
  }
  return hits;
}

}  // namespace

std::string in_quotes(const std::string& text) { return "'" + short_form(text, 80) + "'"; }

std::string shorten_message(const std::string& message, const std::vector<std::string>& args, size_t max_chars) {
  std::string m = message;
  std::vector<std::string> parts = args;  // "--set=VALUE" is quoted as VALUE
  for (const auto& a : args) {
    const size_t eq = a.find('=');
    if (a.rfind("-", 0) == 0 && eq != std::string::npos) parts.push_back(a.substr(eq + 1));
  }
  for (const auto& a : parts) {
    if (a.size() <= max_chars) continue;
    if (a.size() > m.size()) continue;
    const std::string s = short_form(a, max_chars);
    std::string replaced;
    size_t from = 0;
    for (const size_t hit : occurrences(m, a)) {
      if (hit < from) continue;  // overlaps the previous occurrence
      replaced.append(m, from, hit - from).append(s);
      from = hit + a.size();
    }
    replaced.append(m, from, std::string::npos);
    m = std::move(replaced);
  }
  // A backstop for text quoted from elsewhere (a file, part of an argument).
  constexpr size_t kMaxLine = 2000;
  std::string out;
  for (size_t start = 0;;) {
    size_t end = m.find('\n', start);
    const bool last = end == std::string::npos;
    if (last) end = m.size();
    const std::string line = m.substr(start, end - start);
    out += line.size() > kMaxLine ? text_excerpt(line, kMaxLine) : line;
    if (last) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace initlab::app
