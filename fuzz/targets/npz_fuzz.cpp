// NumPy .npz archives (zip + .npy members): decode_npz on the bytes, which
// goes through the zip reader's central-directory, size, bomb and CRC checks.
//
// Invariant: an archive read encodes to bytes that decode to the same tensors.
#include <cstddef>
#include <cstdint>
#include <string>

#include "initlab/io/npz.hpp"
#include "support.hpp"

using namespace initlab;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  fuzz::refused_ok([&] {
    const TensorSet set = decode_npz(bytes, "fuzz.npz");
    TensorSet back;
    try {
      back = decode_npz(encode_npz(set, true), "round trip");
    } catch (const Error& e) {
      fuzz::invariant_failed("an .npz archive read does not survive encode/decode", e.what());
    }
    if (back.size() != set.size()) fuzz::invariant_failed("encode/decode_npz changes the tensor count", "");
    for (size_t i = 0; i < set.size(); ++i) {
      const StoredTensor &a = set.tensors()[i], &b = back.tensors()[i];
      if (a.name != b.name || a.bytes != b.bytes || !(a.shape == b.shape) || a.dtype != b.dtype) {
        fuzz::invariant_failed("encode/decode_npz changes a tensor", a.name);
      }
    }
  });
  return 0;
}
