// Initializer ids and configs, as `initlab init`, the lab's --init and every
// kernel_initializer of a model file give them: Initializer::parse (a string
// id, a class name, a Keras JSON config), then theory(), describe() and a fill.
//
// Input: the initializer text; when its first line parses as a shape
// ("3,3,2", "(16, 4)"), that line is the shape to fill and the rest the
// initializer, else the shape is (8, 4).
//
// Invariants: an initializer's own config reads back (from_config of
// to_config) into one with the same config that fills the same bits.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "initlab/core/shape.hpp"
#include "initlab/init/initializer.hpp"
#include "support.hpp"

using namespace initlab;

namespace {

// Fills up to this many values (theory and describe take any shape).
constexpr int64_t kMaxFill = int64_t{1} << 12;

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<size_t>(a.size())) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  Shape shape{8, 4};
  if (const size_t nl = text.find('\n'); nl != std::string::npos) {
    try {
      shape = Shape::parse(text.substr(0, nl));
      text.erase(0, nl + 1);
    } catch (const Error&) {
    }
  }
  fuzz::refused_ok([&] {
    const Initializer init = Initializer::parse(text);
    (void)init.id();
    (void)init.class_name();
    fuzz::refused_ok([&] { (void)init.theory(shape); });
    fuzz::refused_ok([&] { (void)init.describe(shape); });
    const nlohmann::json config = init.to_config();

    Initializer again;
    try {
      again = Initializer::from_config(config);
    } catch (const Error& e) {
      fuzz::invariant_failed("an initializer's own config does not read back",
                             config.dump() + " -> " + e.what());
    }
    if (again.to_config() != config) {
      fuzz::invariant_failed("the config changes on reading back", config.dump() + " -> " + again.to_config().dump());
    }

    if (shape.numel() > kMaxFill) return;
    Tensor a = init(shape, "fuzz/kernel");
    Tensor b = again(shape, "fuzz/kernel");
    if (!same_bits(a, b)) fuzz::invariant_failed("the read-back initializer fills other values", config.dump());
  });
  return 0;
}
