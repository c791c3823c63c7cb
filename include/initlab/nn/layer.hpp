// Layer: the base of every layer. Built lazily from the input shape; owns its
// Variables and their gradients.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "initlab/core/tensor.hpp"
#include "initlab/nn/variable.hpp"

namespace initlab {

class Layer {
 public:
  explicit Layer(std::string name = "") : name_(std::move(name)) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = default;
  Layer& operator=(const Layer&) = default;

  /// Keras class name ("Dense").
  virtual std::string class_name() const = 0;
  /// The name this layer gets when none is given ("dense"); a model adds _1, _2…
  virtual std::string default_name() const = 0;
  const std::string& name() const { return name_; }
  void set_name(std::string name);

  bool built() const { return built_; }
  /// Creates the variables for inputs of `input_shape` (no batch axis). Once.
  void build(const Shape& input_shape);
  const Shape& input_shape() const { return input_shape_; }
  /// Output shape (no batch axis) for an input shape.
  virtual Shape output_shape(const Shape& input_shape) const = 0;

  /// y = layer(x) for a batch x (N, ...). Keeps what backward needs.
  virtual Tensor forward(const Tensor& x, bool training) = 0;
  /// Given dL/dy of the last forward, stores dL/d(variable) for every variable
  /// and returns dL/dx.
  virtual Tensor backward(const Tensor& dy) = 0;

  std::vector<Variable*> variables();
  std::vector<const Variable*> variables() const;
  /// Whether backward must return dL/dx (false for a model's first layer,
  /// which saves its largest matrix product).
  void set_input_gradient_needed(bool needed) { input_gradient_needed_ = needed; }
  bool input_gradient_needed() const { return input_gradient_needed_; }

  /// dL/d(variables()[i]) from the last backward.
  const Tensor& gradient(size_t i) const { return grads_.at(i); }
  int64_t parameter_count() const;
  /// "activation=relu" and the like, for summaries.
  virtual std::string describe() const { return ""; }

 protected:
  virtual void build_variables(const Shape& input_shape) { (void)input_shape; }
  /// Adds `name/short_name`, initialized for that full name.
  Variable& add_weight(const std::string& short_name, const Shape& shape, const Initializer& init, bool trainable,
                       std::optional<Fans> fans = std::nullopt);
  Tensor& gradient_slot(size_t i) { return grads_.at(i); }

 private:
  std::string name_;
  bool built_ = false;
  bool input_gradient_needed_ = true;
  Shape input_shape_;
  std::vector<std::shared_ptr<Variable>> vars_;
  std::vector<Tensor> grads_;
};

/// Checks that x is (N, expected...) and names the layer when it is not.
void check_input(const Layer& layer, const Tensor& x, const Shape& expected);

}  // namespace initlab
