// HDF5 weight files: the Keras 3 layout reader (groups, vars/<i>, the name
// attribute, links) and the tf-keras layout reader (layer_names, weight_names,
// model_config) on an HDF5 image of the fuzzer's bytes, and the listing of
// every dataset. libhdf5 parses the image; initlab's wrapper must turn
// every failure into an error naming the file and the object path.
#include <cstddef>
#include <cstdint>
#include <string>

#include "initlab/io/hdf5_file.hpp"
#include "initlab/io/keras3_weights_model.hpp"
#include "initlab/io/keras_weights_h5.hpp"
#include "initlab/io/legacy_h5_model.hpp"
#include "support.hpp"

using namespace initlab;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  fuzz::refused_ok([&] {
    // Under libFuzzer the bytes are read in-process, without the trial run in a
    // child process: what libhdf5 and initlab's readers do with them, at a speed
    // that makes 10^6 runs possible, libhdf5's own crashes and hangs included.
    // The replay (CI) reads them as users do: the inputs that crash or hang
    // libhdf5 in the corpus must come out as "damaged".
#ifdef INITLAB_LIBFUZZER
    const H5File f = H5File::from_image(bytes, "fuzz.weights.h5", false);
#else
    const H5File f = H5File::from_image(bytes, "fuzz.weights.h5");
#endif
    fuzz::refused_ok([&] { (void)read_keras3_file_weights(f); });
    fuzz::refused_ok([&] {
      for (const SaveableVars& s : read_keras3_weights(f.root())) {
        for (const StoredTensor& t : s.vars) (void)t.to_float32();
      }
    });
    fuzz::refused_ok([&] { (void)f.root().string_list_attribute("layer_names"); });
    fuzz::refused_ok([&] { (void)read_legacy_file_weights(f); });
    fuzz::refused_ok([&] { (void)read_legacy_tensors(f); });
    fuzz::refused_ok([&] { (void)decode_legacy_h5_model(f); });
  });
  return 0;
}
