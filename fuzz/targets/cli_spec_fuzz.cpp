// The command line's spec strings that the library parses: --shape
// (Shape::parse: "784,64", "(3, 3, 16, 32)", "3x3x16x32", "").
//
// Invariant: a parsed shape prints as text that parses back to it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "initlab/core/shape.hpp"
#include "support.hpp"

using namespace initlab;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::refused_ok([&] {
    const Shape s = Shape::parse(text);
    (void)s.numel();
    Shape back;
    try {
      back = Shape::parse(s.str());
    } catch (const Error& e) {
      fuzz::invariant_failed("a parsed shape's text does not parse", text + " -> " + s.str() + ": " + e.what());
    }
    if (!(back == s)) fuzz::invariant_failed("a parsed shape's text parses to another shape", s.str() + " -> " + back.str());
  });
  return 0;
}
