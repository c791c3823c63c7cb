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
  // Every reader on the image, in-process (libhdf5's trial run in a child
  // process is skipped: the whole read is the trial, below).
  const auto read_all = [&] {
    fuzz::refused_ok([&] {
      const H5File f = H5File::from_image(bytes, "fuzz.weights.h5", false);
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
  };
  // Under libFuzzer the bytes are read in-process only: what libhdf5 and
  // initlab's readers do with them, at a speed that makes 10^6 runs possible,
  // libhdf5's own faults included. The replay (CI) reads them as users do,
  // the whole read first in a child process: the inputs of the corpus that
  // crash or hang libhdf5 must come out as "damaged".
#ifndef INITLAB_LIBFUZZER
  try {
    check_hdf5_read_in_child("fuzz.weights.h5", bytes.size(), read_all);
  } catch (const FormatError&) {
    return 0;
  }
#endif
  read_all();
  return 0;
}
