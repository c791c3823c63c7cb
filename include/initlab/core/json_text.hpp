// JSON texts from outside (model files, training jobs, initializer configs,
// command-line values), read so that no text can crash, hang or exhaust the
// process, and quoted in messages by short excerpts only.
//
//   parse_json_text(text, "m.json")   nesting deeper than kMaxJsonDepth, a number
//                                     beyond double's range (1e400) and syntax errors
//                                     are ConfigErrors "m.json:L:C: ..."; the parsed
//                                     form's memory is checked against the budget first
//   json_excerpt(value)               at most ~80 characters of a value, never
//                                     dumping (or recursing through) all of it
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace initlab {

/// The deepest nesting of arrays and objects a JSON text may have. Keras's own
/// files stay under a dozen levels (model → layers → layer → initializer →
/// config); 64 leaves room and keeps every recursive walk of a value shallow.
inline constexpr int kMaxJsonDepth = 64;

/// Parses a JSON text. ConfigError "<source>:<line>:<column>: ..." for a syntax
/// error, nesting deeper than kMaxJsonDepth (refused before any of it is built)
/// or a number beyond the range of a double; ResourceError when the parsed
/// document would not fit the memory budget (see json_memory_estimate).
nlohmann::json parse_json_text(std::string_view text, const std::string& source);

/// True when `value` (a value built in C++, not parsed) nests arrays and
/// objects deeper than `limit`. Iterative: safe on any depth. Readers check it
/// before they copy a caller's value, since copying a deep value recurses.
bool json_nested_deeper_than(const nlohmann::json& value, int limit = kMaxJsonDepth);

/// An upper estimate of the bytes the parsed form of `text` takes (nlohmann's
/// values, containers, map nodes and strings), from one pass over its tokens.
uint64_t json_memory_estimate(std::string_view text);

/// The value as JSON for a message, at most `max_chars` characters (a longer
/// one is cut, ends in "..." and says how many elements it has). Walks only as
/// much of the value as it shows; never throws (invalid UTF-8 is replaced).
std::string json_excerpt(const nlohmann::json& value, size_t max_chars = 80);

}  // namespace initlab
