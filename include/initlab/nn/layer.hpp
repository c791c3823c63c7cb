// Layer: the base of every layer. Built lazily from the input shape; owns its
// Variables and their gradients.
//
// What a layer creates is known from the input shape alone: weight_specs()
// lists the variables (name, shape, initializer) without allocating them, so
// parameter counts, summaries and the init advisor work on a model that was
// never built, and build() checks the memory before it spends it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "initlab/core/tensor.hpp"
#include "initlab/init/initializer.hpp"
#include "initlab/nn/variable.hpp"

namespace initlab {

/// A variable a layer creates for an input shape, described without storage.
struct WeightSpec {
  std::string name;          ///< short name: "kernel" (the variable is "<layer>/kernel")
  Shape shape;
  Initializer initializer;
  bool trainable = true;
  std::optional<Fans> fans{};  ///< fans the initializer is given instead of the shape's own
};

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
  /// "layer 'dense_1' (Dense)", or "Dense layer" before the layer has a name: how messages name it.
  std::string label() const;

  bool built() const { return built_; }
  /// Creates the variables for inputs of `input_shape` (no batch axis). Once.
  /// Checks the shape (output_shape) and the memory of the variables and
  /// their gradients first: a ResourceError names the largest variable.
  void build(const Shape& input_shape);
  const Shape& input_shape() const { return input_shape_; }
  /// Output shape (no batch axis) for an input shape; throws ShapeError
  /// (naming the layer and the field) when the input does not suit the layer.
  virtual Shape output_shape(const Shape& input_shape) const = 0;
  /// The variables build(input_shape) would create, in order; none are allocated.
  virtual std::vector<WeightSpec> weight_specs(const Shape& input_shape) const {
    (void)input_shape;
    return {};
  }
  /// Floats per sample that one training step (forward and backward) keeps
  /// alive in this layer for inputs of `input_shape`: outputs, pre-activations,
  /// patches, masks and gradients. An estimate for the memory check of fit.
  virtual int64_t working_values(const Shape& input_shape) const;

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
  /// Parameters of the built layer.
  int64_t parameter_count() const;
  /// Parameters for inputs of `input_shape`, from the shapes alone (no layer is built).
  int64_t parameter_count(const Shape& input_shape) const;
  /// "activation=relu" and the like, for summaries.
  virtual std::string describe() const { return ""; }

  /// Where the layer's own random stream stands (Dropout: the training steps
  /// that drew a mask), so that a checkpoint resumes the same draws; 0 for a
  /// layer that draws nothing.
  virtual uint64_t random_position() const { return 0; }
  /// Puts the stream back at a position random_position() gave.
  virtual void set_random_position(uint64_t position) { (void)position; }

 protected:
  /// Called by build() once the variables of weight_specs() exist (variables()
  /// holds them in that order): a layer keeps its handles here.
  virtual void variables_created(const Shape& input_shape) { (void)input_shape; }
  Tensor& gradient_slot(size_t i) { return grads_.at(i); }
  /// Throws ShapeError "<label>: <what> must be ..." unless every dimension of
  /// the input is >= 1 (a zero-size axis gives a layer nothing to compute).
  void check_input_not_empty(const Shape& input_shape) const;

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

/// "(3, 0)" for two sizes given as an array, for messages about layer arguments.
std::string pair_text(int64_t a, int64_t b);

/// Sums the memory of named tensors and refuses it up front: when the largest
/// alone does not fit, "dense/kernel (80000, 80000) needs 25.6 GB; 21.3 GB are
/// available"; when only the sum does not, "model 'm' needs 40.1 GB for its
/// weights and their gradients, the largest dense_3/kernel (…) 25.6 GB; …".
class WeightMemory {
 public:
  /// A tensor `name` of `shape` held `copies` times (value, gradient, optimizer slots).
  void add(const std::string& name, const Shape& shape, uint64_t copies);
  uint64_t total() const { return total_; }
  /// `owner` ("model 'm'"), `contents` ("its weights and their gradients").
  void require(const std::string& owner, const std::string& contents) const;

 private:
  uint64_t total_ = 0, largest_ = 0;
  std::string largest_name_;
  Shape largest_shape_;
};

/// A shape from dimensions computed by a layer; ShapeError naming the layer and
/// `what` ("kernel", "output") when they overflow 64 bits or one is negative.
Shape layer_shape(const Layer& layer, const char* what, const std::vector<int64_t>& dims);

}  // namespace initlab
