// Helpers of the HDF5 tests (hdf5_file, keras_weights_h5, legacy_h5): the
// fixtures tests/fixtures/h5/make_fixtures.py wrote with h5py, the ramp their
// values follow, and the script's verify mode that reads files initlab wrote.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "initlab/core/atomic_file.hpp"
#include "initlab/io/hdf5_file.hpp"
#include "initlab/io/tensor_set.hpp"

namespace initlab::testing {

inline std::string h5_fixture_path(const std::string& name) {
  return std::string(INITLAB_SOURCE_DIR) + "/tests/fixtures/h5/" + name;
}

inline H5File h5_fixture(const std::string& name) { return H5File::open(h5_fixture_path(name)); }

/// make_fixtures.py's ramp: start + step * i for element i, as float32 values.
inline std::vector<float> ramp(int64_t n, double start, double step) {
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(static_cast<float>(start + step * static_cast<double>(i)));
  return v;
}

/// The values of a tensor as float32 (through StoredTensor::to_float32).
inline std::vector<float> values_of(const StoredTensor& t) {
  const Tensor f = t.to_float32();
  return std::vector<float>(f.data(), f.data() + f.size());
}

/// A fresh folder for files the test writes (removed on destruction).
struct ScratchDir {
  std::filesystem::path path;
  explicit ScratchDir(const std::string& stem)
      : path(std::filesystem::temp_directory_path() / (stem + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

/// True when /usr/bin/python3 can import h5py (the verify tests skip otherwise).
inline bool have_h5py() { return std::system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") == 0; }

/// Runs make_fixtures.py --verify on `dir`: h5py reads every .h5 file there and
/// compares it with the fixture of the same name. Returns the script's report
/// and sets `ok` from its exit status.
inline std::string h5py_verify(const std::string& dir, bool& ok) {
  const std::string report = dir + "/verify.txt";
  const std::string cmd = "/usr/bin/python3 " + h5_fixture_path("make_fixtures.py") + " --verify " + dir + " >" +
                          report + " 2>&1";
  ok = std::system(cmd.c_str()) == 0;
  return read_file(report);
}

}  // namespace initlab::testing
