#include "initlab/core/suggest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace initlab {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Words longer than this are compared by their first kCompared bytes: no real
// name is that long, and the distance of a huge word to a short name is its length anyway.
constexpr size_t kCompared = 256;

}  // namespace

size_t edit_distance(std::string_view a, std::string_view b, size_t cap) {
  if (a.size() < b.size()) std::swap(a, b);
  // The distance is at least the difference of the lengths.
  if (a.size() - b.size() > cap) return cap + 1;
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > cap) return cap + 1;  // every later row is at least as large
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest_word(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string key = lower(word.substr(0, kCompared));
  std::optional<std::string> best;
  size_t best_d = static_cast<size_t>(-1);
  for (const auto& c : candidates) {
    const size_t d = edit_distance(key, lower(c), best_d);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::optional<std::string> plausible_word(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.empty() || word.size() > kCompared) return std::nullopt;
  const std::string key = lower(word);
  const size_t allowed = std::max<size_t>(2, key.size() / 3);
  std::optional<std::string> best;
  size_t best_d = allowed + 1;
  for (const auto& c : candidates) {
    const std::string lc = lower(c);
    size_t d = edit_distance(key, lc, allowed);
    // A prefix ("lr" for "learning_rate" is not, but "learn" is) counts as one edit.
    if (d > allowed && key.size() >= 3 && (lc.rfind(key, 0) == 0 || key.rfind(lc, 0) == 0)) d = 1;
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const auto w = plausible_word(word, candidates);
  return w ? fmt::format("; did you mean '{}'?", *w) : std::string();
}

std::string text_excerpt(std::string_view text, size_t max_chars) {
  if (text.size() <= max_chars) return std::string(text);
  size_t cut = max_chars > 3 ? max_chars - 3 : 0;
  // Do not split a UTF-8 sequence: back up to the start of the character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return fmt::format("{}... ({} bytes)", text.substr(0, cut), text.size());
}

}  // namespace initlab
