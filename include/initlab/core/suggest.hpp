// "Did you mean …?": the known word closest to a misspelt one, for every
// message that refuses a name (initializers, layers, config keys, commands).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace initlab {

/// Levenshtein distance (insertions, deletions, substitutions; case-sensitive).
/// Stops early and returns a value > `cap` once the distance is known to exceed
/// it, so a megabyte-long word against a short name costs O(cap · length).
size_t edit_distance(std::string_view a, std::string_view b, size_t cap = static_cast<size_t>(-1));

/// The candidate closest to `word` (case-insensitive), whatever the distance;
/// nothing when there are no candidates.
std::optional<std::string> closest_word(std::string_view word, const std::vector<std::string>& candidates);

/// The candidate close enough to `word` to be a plausible misspelling (at most
/// max(2, length / 3) edits, case-insensitive; a candidate that starts with the
/// word or the word with it also counts); nothing otherwise.
std::optional<std::string> plausible_word(std::string_view word, const std::vector<std::string>& candidates);

/// "; did you mean 'beta_1'?" when a plausible candidate exists, else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// `text` for a message: at most `max_chars` bytes (cut at a UTF-8 boundary,
/// "..." appended, and the full length said when it was long).
std::string text_excerpt(std::string_view text, size_t max_chars = 80);

}  // namespace initlab
