// The command line's spec strings that the library parses: --shape
// (Shape::parse: "784,64", "(3, 3, 16, 32)", "[784, 64]", "3x3x16x32", "")
// and one item of the lab's --init (parse_initializer: ids, Keras JSON
// configs, the id(value) shorthand such as random_normal(0.05)).
//
// Invariants: a parsed shape has one size per run of digits in the text (no
// two numbers merge, none is dropped) and prints as text that parses back to
// it; an --init item's initializer reads back from its own config.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "initlab/core/shape.hpp"
#include "initlab/init/initializer.hpp"
#include "initlab/lab/init_spec.hpp"
#include "support.hpp"

using namespace initlab;

namespace {

int digit_runs(const std::string& text) {
  int runs = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) && (i == 0 || !std::isdigit(static_cast<unsigned char>(text[i - 1])))) {
      ++runs;
    }
  }
  return runs;
}

void check_shape(const std::string& text, bool allow_zero) {
  const Shape s = Shape::parse(text, allow_zero);
  if (s.numel() < 0) fuzz::invariant_failed("a parsed shape has a negative element count", s.str());
  if (digit_runs(text) != s.rank()) {
    fuzz::invariant_failed("a parsed shape does not have one size per number in the text", text + " -> " + s.str());
  }
  Shape back;
  try {
    back = Shape::parse(s.str(), allow_zero);
  } catch (const Error& e) {
    fuzz::invariant_failed("a parsed shape's text does not parse", text + " -> " + s.str() + ": " + e.what());
  }
  if (!(back == s)) fuzz::invariant_failed("a parsed shape's text parses to another shape", s.str() + " -> " + back.str());
}

void check_init_spec(const std::string& text) {
  const Initializer init = parse_initializer(text);
  const nlohmann::json config = init.to_config();
  try {
    if (Initializer::from_config(config).to_config() != config) {
      fuzz::invariant_failed("an --init item's config changes on reading back", config.dump());
    }
  } catch (const Error& e) {
    fuzz::invariant_failed("an --init item's config does not read back", config.dump() + " -> " + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::refused_ok([&] { check_shape(text, false); });
  fuzz::refused_ok([&] { check_shape(text, true); });
  fuzz::refused_ok([&] { check_init_spec(text); });
  return 0;
}
