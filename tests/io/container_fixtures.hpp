// Helpers of the container tests (safetensors, zip, .npz): the fixtures that
// tests/fixtures/containers/make_fixtures.py wrote, and bytes built by hand.
#pragma once

#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>

#include "initlab/io/tensor_set.hpp"

namespace initlab::testing {

inline std::string container_fixture_path(const std::string& name) {
  return std::string(INITLAB_SOURCE_DIR) + "/tests/fixtures/containers/" + name;
}

/// The bytes of a fixture file ("" when it is missing, which the test then reports).
inline std::string container_fixture(const std::string& name) {
  std::ifstream in(container_fixture_path(name), std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The little-endian bytes of `values` as T.
template <class T>
std::string le_bytes(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
  }
  return out;
}

inline StoredTensor stored(std::string name, DType dtype, Shape shape, std::string bytes) {
  StoredTensor t;
  t.name = std::move(name);
  t.dtype = dtype;
  t.shape = shape;
  t.bytes = std::move(bytes);
  return t;
}

}  // namespace initlab::testing
