// initlab checkpoints: decode_checkpoint on the bytes (format, version and
// checksum checked before the state JSON and the tensors are looked at).
#include <cstddef>
#include <cstdint>
#include <string>

#include "initlab/io/checkpoint.hpp"
#include "support.hpp"

using namespace initlab;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  fuzz::refused_ok([&] { (void)decode_checkpoint(bytes, "fuzz.safetensors"); });
  return 0;
}
