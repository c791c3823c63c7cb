#include "initlab/nn/variable.hpp"

#include <fmt/format.h>

#include "initlab/core/error.hpp"

namespace initlab {

Variable::Variable(std::string name, const Shape& shape, const Initializer& init, bool trainable,
                   std::optional<Fans> fans)
    : name_(std::move(name)), value_(shape), trainable_(trainable), initializer_(init) {
  init.fill(value_, InitContext{name_, fans});
}

Variable::Variable(std::string name, const Tensor& value, bool trainable)
    : name_(std::move(name)), value_(value.clone()), trainable_(trainable), initializer_("zeros") {}

void Variable::check_shape(const Tensor& t, const char* op) const {
  if (!(t.shape() == value_.shape())) {
    throw ShapeError(fmt::format("{} of variable '{}': expected shape {}, got {}", op, name_, value_.shape().str(),
                                 t.shape().str()));
  }
}

void Variable::assign(const Tensor& t) {
  check_shape(t, "assign");
  value_.copy_from(t);
}

void Variable::assign_add(const Tensor& t) {
  check_shape(t, "assign_add");
  float* v = value_.data();
  const float* d = t.data();
  for (int64_t i = 0; i < value_.size(); ++i) v[i] += d[i];
}

void Variable::assign_sub(const Tensor& t) {
  check_shape(t, "assign_sub");
  float* v = value_.data();
  const float* d = t.data();
  for (int64_t i = 0; i < value_.size(); ++i) v[i] -= d[i];
}

}  // namespace initlab
