// The text helpers every message and every output path goes through: the
// quoted excerpt (text_excerpt), "did you mean" (edit_distance, closest_word,
// plausible_word, did_you_mean), and file names made from names the user
// chose (file_name_from: model and run names).
//
// Input: a word, then after the first NUL byte a second word; the rest
// (NUL-separated) are more candidates.
//
// Invariants: edit distances are symmetric, bounded by the longer word and
// honour the cap; an excerpt is short and keeps valid UTF-8 valid; a file
// name is one safe, non-empty path component, valid UTF-8, at most
// kMaxFileNameBytes, and cleaning it again changes nothing.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "initlab/core/safe_path.hpp"
#include "initlab/core/suggest.hpp"
#include "support.hpp"
#include "utf8.hpp"

using namespace initlab;

namespace {

void check_distance(std::string_view a, std::string_view b) {
  // Quadratic in the lengths: keep the uncapped ones small.
  if (a.size() > 512 || b.size() > 512) {
    (void)edit_distance(a, b, 4);
    return;
  }
  const size_t d = edit_distance(a, b);
  if (d != edit_distance(b, a)) fuzz::invariant_failed("edit_distance is not symmetric", "");
  const size_t longer = std::max(a.size(), b.size()), shorter = std::min(a.size(), b.size());
  if (d > longer || d < longer - shorter) fuzz::invariant_failed("edit_distance out of its bounds", std::to_string(d));
  if ((d == 0) != (a == b)) fuzz::invariant_failed("edit_distance 0 for different words (or not for equal ones)", "");
  for (size_t cap : {size_t{0}, size_t{1}, size_t{3}, d, d + 1}) {
    const size_t c = edit_distance(a, b, cap);
    if (d <= cap ? c != d : c <= cap) {
      fuzz::invariant_failed("edit_distance with a cap disagrees",
                             "d " + std::to_string(d) + ", cap " + std::to_string(cap) + ": " + std::to_string(c));
    }
  }
}

void check_excerpt(std::string_view s, size_t max_chars) {
  const std::string e = text_excerpt(s, max_chars);
  if (e.size() > max_chars + 32) fuzz::invariant_failed("text_excerpt is not short", std::to_string(e.size()));
  if (fuzz::valid_utf8(s) && !fuzz::valid_utf8(e)) fuzz::invariant_failed("text_excerpt broke valid UTF-8", e);
}

void check_file_name(std::string_view name) {
  std::string f;
  try {
    f = file_name_from(name, "fuzz name");
  } catch (const Error&) {
    return;
  }
  if (f.empty() || f == "." || f == ".." || f.find('/') != std::string::npos || f.find('\0') != std::string::npos ||
      f.size() > kMaxFileNameBytes || !fuzz::valid_utf8(f)) {
    fuzz::invariant_failed("file_name_from gave an unsafe name", text_excerpt(f));
  }
  std::string again;
  try {
    again = file_name_from(f, "fuzz name");
  } catch (const Error& e) {
    fuzz::invariant_failed("a cleaned file name is refused", e.what());
  }
  if (again != f) fuzz::invariant_failed("file_name_from is not idempotent", text_excerpt(f) + " -> " + text_excerpt(again));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> words;
  for (size_t start = 0;;) {
    const size_t nul = all.find('\0', start);
    words.emplace_back(all.substr(start, nul == std::string_view::npos ? std::string_view::npos : nul - start));
    if (nul == std::string_view::npos) break;
    start = nul + 1;
  }
  const std::string& word = words[0];
  const std::string other = words.size() > 1 ? words[1] : std::string();
  check_distance(word, other);
  check_excerpt(all, 80);
  check_excerpt(word, size % 50);
  check_file_name(word);
  check_file_name(all);
  std::vector<std::string> candidates(words.begin() + 1, words.end());
  candidates.insert(candidates.end(), {"beta_1", "beta_2", "learning_rate", "units", "kernel_initializer", "init"});
  fuzz::refused_ok([&] {
    (void)closest_word(word, candidates);
    (void)plausible_word(word, candidates);
    (void)did_you_mean(word, candidates);
  });
  return 0;
}
