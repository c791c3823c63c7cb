// safetensors files: decode_safetensors on the bytes, and the model-free part
// of the front door (format detection, TensorSet → float32).
//
// Invariant: a set read encodes to bytes that decode to the same tensors.
#include <cstddef>
#include <cstdint>
#include <string>

#include "initlab/io/file_format.hpp"
#include "initlab/io/safetensors.hpp"
#include "support.hpp"

using namespace initlab;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  fuzz::refused_ok([&] { (void)detect_file_format("fuzz.safetensors", bytes); });
  fuzz::refused_ok([&] {
    const TensorSet set = decode_safetensors(bytes, "fuzz.safetensors");
    for (const StoredTensor& t : set.tensors()) (void)t.to_float32();
    TensorSet back;
    try {
      back = decode_safetensors(encode_safetensors(set), "round trip");
    } catch (const Error& e) {
      fuzz::invariant_failed("a safetensors set read does not survive encode/decode", e.what());
    }
    for (const StoredTensor& t : set.tensors()) {
      const StoredTensor* b = back.find(t.name);
      if (b == nullptr || b->bytes != t.bytes || !(b->shape == t.shape) || b->dtype != t.dtype) {
        fuzz::invariant_failed("encode/decode_safetensors changes a tensor", t.name);
      }
    }
  });
  return 0;
}
