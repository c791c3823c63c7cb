// Quoting what the user typed in a message: short, on one line, readable.
#pragma once

#include <string>
#include <vector>

namespace initlab::app {

/// `text` in single quotes for a message: control characters escaped (\n, \t,
/// \x01) so the message stays on one line, and at most about 80 characters
/// (text_excerpt's "..." and length beyond that): 'ten'.
std::string in_quotes(const std::string& text);

/// A message about to be printed, with every command-line argument longer than
/// `max_chars` that it quotes replaced by its excerpt, and each line cut at
/// 2000 characters: no argument, however long, makes a long message.
std::string shorten_message(const std::string& message, const std::vector<std::string>& args, size_t max_chars = 80);

}  // namespace initlab::app
