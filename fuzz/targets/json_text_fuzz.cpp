// JSON texts from outside, the reader under every model file, training job and
// initializer config: parse_json_text (bounded nesting, a memory estimate
// first, numbers beyond double refused), json_memory_estimate and the
// excerpts messages quote (json_excerpt).
//
// Invariants: a parsed document nests no deeper than kMaxJsonDepth; an
// excerpt stays short (max_chars plus the "(a list of n elements)" note) and
// is valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "initlab/core/json_text.hpp"
#include "support.hpp"
#include "utf8.hpp"

using namespace initlab;

namespace {

// Depth of the deepest array or object, walked without recursion.
int depth_of(const nlohmann::json& doc) {
  int deepest = 0;
  std::vector<std::pair<const nlohmann::json*, int>> stack{{&doc, 0}};
  while (!stack.empty()) {
    auto [v, d] = stack.back();
    stack.pop_back();
    if (!v->is_structured()) continue;
    deepest = std::max(deepest, d + 1);
    for (const auto& child : *v) stack.emplace_back(&child, d + 1);
  }
  return deepest;
}

void check_excerpt(const nlohmann::json& v, size_t max_chars) {
  const std::string e = json_excerpt(v, max_chars);
  if (e.size() > max_chars + 48) {
    fuzz::invariant_failed("json_excerpt is not short",
                           std::to_string(e.size()) + " bytes for max_chars " + std::to_string(max_chars));
  }
  if (!fuzz::valid_utf8(e)) fuzz::invariant_failed("json_excerpt is not valid UTF-8", e);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)json_memory_estimate(text);
  fuzz::refused_ok([&] {
    const nlohmann::json doc = parse_json_text(text, "fuzz.json");
    if (const int d = depth_of(doc); d > kMaxJsonDepth) {
      fuzz::invariant_failed("parse_json_text accepted a document nested too deep", std::to_string(d) + " levels");
    }
    check_excerpt(doc, 80);
    check_excerpt(doc, size % 97);
    if (doc.is_structured() && !doc.empty()) check_excerpt(*doc.begin(), 20);
  });
  return 0;
}
