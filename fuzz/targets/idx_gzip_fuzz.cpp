// IDX files compressed with gzip (Debian's Fashion-MNIST package ships
// them so): read_idx and read_maybe_gzip on a ".gz" file holding the bytes.
// Decompression must stop at what the IDX header declares (and the memory
// budget), whatever the compressed stream claims.
//
// Under libFuzzer a custom mutator mostly mutates the decompressed IDX bytes
// and compresses them again, so that the fuzzer reaches the IDX decoder past
// zlib's checksums; one mutation in four changes the compressed bytes.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "initlab/data/idx.hpp"
#include "support.hpp"

using namespace initlab;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::scratch_file("-images-idx3-ubyte.gz", data, size);
  fuzz::refused_ok([&] {
    const IdxArray a = read_idx(path);
    uint64_t n = 1;
    for (int64_t d : a.dims) n *= static_cast<uint64_t>(d);
    if (n != a.values.size()) fuzz::invariant_failed("IDX values do not match the dimensions", "read_idx (gzip)");
  });
  fuzz::refused_ok([&] { (void)read_maybe_gzip(path); });
  return 0;
}

#ifdef INITLAB_LIBFUZZER
namespace {

constexpr size_t kMaxPlain = size_t{1} << 16;

// gunzips at most kMaxPlain bytes; false when the stream is not gzip.
bool gunzip(const uint8_t* data, size_t size, std::vector<uint8_t>& out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return false;
  out.resize(kMaxPlain);
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return rc == Z_STREAM_END;
}

size_t gzip_into(const uint8_t* plain, size_t n, uint8_t* out, size_t max_size) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
  z.next_in = const_cast<Bytef*>(plain);
  z.avail_in = static_cast<uInt>(n);
  z.next_out = out;
  z.avail_out = static_cast<uInt>(max_size);
  const int rc = deflate(&z, Z_FINISH);
  const size_t written = z.total_out;
  deflateEnd(&z);
  return rc == Z_STREAM_END ? written : 0;
}

}  // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  std::vector<uint8_t> plain;
  if (seed % 4 == 0 || !gunzip(data, size, plain)) return LLVMFuzzerMutate(data, size, max_size);
  const size_t used = plain.size();
  plain.resize(kMaxPlain);
  const size_t n = LLVMFuzzerMutate(plain.data(), used, plain.size());
  const size_t packed = gzip_into(plain.data(), n, data, max_size);
  return packed != 0 ? packed : LLVMFuzzerMutate(data, size, max_size);
}
#endif
