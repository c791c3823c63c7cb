// NumPy .npy files: decode_npy on the bytes and load_npy on a file holding them.
//
// Invariant: an array read encodes to .npy bytes that decode to the same
// shape and the same bits.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "initlab/io/npy.hpp"
#include "support.hpp"

using namespace initlab;

namespace {

void round_trip(const Tensor& t) {
  Tensor back;
  try {
    back = decode_npy(encode_npy(t), "round trip");
  } catch (const Error& e) {
    fuzz::invariant_failed("an array read does not survive encode_npy/decode_npy", e.what());
  }
  if (!(back.shape() == t.shape()) ||
      std::memcmp(back.data(), t.data(), sizeof(float) * static_cast<size_t>(t.size())) != 0) {
    fuzz::invariant_failed("encode_npy/decode_npy changes an array", t.shape().str() + " -> " + back.shape().str());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  fuzz::refused_ok([&] { round_trip(decode_npy(bytes, "fuzz.npy")); });
  const std::string path = fuzz::scratch_file(".npy", data, size);
  fuzz::refused_ok([&] { (void)load_npy(path); });
  return 0;
}
