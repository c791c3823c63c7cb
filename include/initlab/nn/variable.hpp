// Variable: a named, initialized tensor a model learns (or keeps).
#pragma once

#include <string>

#include "initlab/core/tensor.hpp"
#include "initlab/init/initializer.hpp"

namespace initlab {

class Variable {
 public:
  /// Creates `name` with `shape`, filled by `init` for this name (so its
  /// random stream is keyed by the name). A Variable always has a value.
  Variable(std::string name, const Shape& shape, const Initializer& init, bool trainable = true,
           std::optional<Fans> fans = std::nullopt);
  /// Creates `name` holding a copy of `value`.
  Variable(std::string name, const Tensor& value, bool trainable = true);

  const std::string& name() const { return name_; }
  const Tensor& value() const { return value_; }
  /// The storage, for in-place updates by layers and optimizers.
  Tensor& mutable_value() { return value_; }
  const Shape& shape() const { return value_.shape(); }
  bool trainable() const { return trainable_; }
  void set_trainable(bool t) { trainable_ = t; }
  /// The initializer the variable came from (a "constant" one for explicit values).
  const Initializer& initializer() const { return initializer_; }

  /// Copies t into the variable's storage; the shape must match. Keeps identity.
  void assign(const Tensor& t);
  void assign_add(const Tensor& t);
  void assign_sub(const Tensor& t);

 private:
  void check_shape(const Tensor& t, const char* op) const;

  std::string name_;
  Tensor value_;
  bool trainable_;
  Initializer initializer_;
};

}  // namespace initlab
