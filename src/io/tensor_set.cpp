#include "initlab/io/tensor_set.hpp"

#include <bit>
#include <cmath>
#include <cstring>

#include "initlab/core/error.hpp"
#include "initlab/core/memory_budget.hpp"

namespace initlab {

namespace {

struct DTypeInfo {
  DType type;
  const char* name;
  size_t size;
  bool is_float;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::kBool, "bool", 1, false},    {DType::kU8, "uint8", 1, false},   {DType::kI8, "int8", 1, false},
    {DType::kI16, "int16", 2, false},    {DType::kU16, "uint16", 2, false}, {DType::kF16, "float16", 2, true},
    {DType::kBF16, "bfloat16", 2, true}, {DType::kI32, "int32", 4, false},  {DType::kU32, "uint32", 4, false},
    {DType::kF32, "float32", 4, true},   {DType::kF64, "float64", 8, true}, {DType::kI64, "int64", 8, false},
    {DType::kU64, "uint64", 8, false},
};

const DTypeInfo& info(DType t) { return kDTypes[static_cast<size_t>(t)]; }

template <class T>
T load_le(const char* p) {
  static_assert(std::endian::native == std::endian::little, "initlab assumes a little-endian machine");
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    // zero or subnormal: mant × 2^-24, exact in float
    const float v = std::ldexp(static_cast<float>(mant), -24);
    return sign != 0 ? -v : v;
  }
  uint32_t bits;
  if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

double element(const StoredTensor& t, int64_t i) {
  const char* p = t.bytes.data() + static_cast<size_t>(i) * dtype_size(t.dtype);
  switch (t.dtype) {
    case DType::kBool: return load_le<uint8_t>(p) != 0 ? 1.0 : 0.0;
    case DType::kU8: return load_le<uint8_t>(p);
    case DType::kI8: return load_le<int8_t>(p);
    case DType::kI16: return load_le<int16_t>(p);
    case DType::kU16: return load_le<uint16_t>(p);
    case DType::kF16: return half_to_float(load_le<uint16_t>(p));
    case DType::kBF16: return std::bit_cast<float>(static_cast<uint32_t>(load_le<uint16_t>(p)) << 16);
    case DType::kI32: return load_le<int32_t>(p);
    case DType::kU32: return load_le<uint32_t>(p);
    case DType::kF32: return load_le<float>(p);
    case DType::kF64: return load_le<double>(p);
    case DType::kI64: return static_cast<double>(load_le<int64_t>(p));
    case DType::kU64: return static_cast<double>(load_le<uint64_t>(p));
  }
  return 0;
}

}  // namespace

size_t dtype_size(DType t) { return info(t).size; }
std::string dtype_name(DType t) { return info(t).name; }
bool dtype_is_float(DType t) { return info(t).is_float; }

bool dtype_from_name(std::string_view name, DType& out) {
  for (const auto& d : kDTypes) {
    if (name == d.name) {
      out = d.type;
      return true;
    }
  }
  return false;
}

Tensor StoredTensor::to_float32() const {
  const uint64_t want = static_cast<uint64_t>(numel()) * dtype_size(dtype);
  if (bytes.size() != want) {
    throw FormatError(name + ": " + std::to_string(bytes.size()) + " bytes of data for " + dtype_name(dtype) + " " +
                      shape.str() + ", which needs " + std::to_string(want));
  }
  require_memory(static_cast<uint64_t>(numel()) * sizeof(float), "tensor '" + name + "' " + shape.str());
  Tensor out(shape);
  float* dst = out.data();
  if (dtype == DType::kF32) {
    if (numel() > 0) std::memcpy(dst, bytes.data(), bytes.size());
    return out;
  }
  for (int64_t i = 0; i < numel(); ++i) dst[i] = static_cast<float>(element(*this, i));
  return out;
}

StoredTensor StoredTensor::from_tensor(std::string name, const Tensor& t) {
  StoredTensor s;
  s.name = std::move(name);
  s.dtype = DType::kF32;
  s.shape = t.shape();
  s.bytes.assign(reinterpret_cast<const char*>(t.data()), static_cast<size_t>(t.size()) * sizeof(float));
  return s;
}

StoredTensor StoredTensor::scalar_i64(std::string name, int64_t value) {
  StoredTensor s;
  s.name = std::move(name);
  s.dtype = DType::kI64;
  s.shape = Shape{};
  s.bytes.assign(reinterpret_cast<const char*>(&value), sizeof value);
  return s;
}

int64_t StoredTensor::as_int64() const {
  if (numel() != 1 || bytes.size() != dtype_size(dtype)) {
    throw ValueError(name + ": expected a scalar, found " + dtype_name(dtype) + " " + shape.str());
  }
  switch (dtype) {
    case DType::kI64: return load_le<int64_t>(bytes.data());
    case DType::kU64: {
      const uint64_t v = load_le<uint64_t>(bytes.data());
      if (v > static_cast<uint64_t>(INT64_MAX)) throw ValueError(name + ": " + std::to_string(v) + " is beyond int64");
      return static_cast<int64_t>(v);
    }
    default: {
      const double v = element(*this, 0);
      if (!(std::fabs(v) < 9.2e18) || v != std::floor(v)) {
        throw ValueError(name + ": expected a whole number, found " + std::to_string(v));
      }
      return static_cast<int64_t>(v);
    }
  }
}

void TensorSet::add(StoredTensor t, const std::string& where) {
  if (index_.count(t.name) != 0) throw FormatError(where + ": tensor '" + t.name + "' appears twice");
  index_.emplace(t.name, tensors_.size());
  tensors_.push_back(std::move(t));
}

const StoredTensor* TensorSet::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

uint64_t TensorSet::total_bytes() const {
  uint64_t n = 0;
  for (const auto& t : tensors_) n += t.bytes.size();
  return n;
}

}  // namespace initlab
