// IDX files, uncompressed: decode_idx on the bytes, and read_idx on a file
// holding them (the path load_fashion_mnist takes for an unpacked data set).
//
// Invariant: a decoded array holds exactly the values its dimensions declare.
#include <cstddef>
#include <cstdint>
#include <string>

#include "initlab/data/idx.hpp"
#include "support.hpp"

using namespace initlab;

namespace {

void check(const IdxArray& a, const std::string& where) {
  uint64_t n = 1;
  for (int64_t d : a.dims) {
    if (d < 0) fuzz::invariant_failed("a negative IDX dimension", where);
    n *= static_cast<uint64_t>(d);
  }
  if (n != a.values.size()) fuzz::invariant_failed("IDX values do not match the dimensions", where);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  fuzz::refused_ok([&] { check(decode_idx(bytes, "fuzz.idx"), "decode_idx"); });
  const std::string path = fuzz::scratch_file("-images-idx3-ubyte", data, size);
  fuzz::refused_ok([&] { check(read_idx(path), "read_idx"); });
  return 0;
}
