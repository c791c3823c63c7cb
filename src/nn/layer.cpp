#include "initlab/nn/layer.hpp"

#include <fmt/format.h>

#include <limits>

#include "initlab/core/error.hpp"
#include "initlab/core/memory_budget.hpp"

namespace initlab {

void Layer::set_name(std::string name) {
  if (built_) throw ValueError(fmt::format("{}: cannot rename a built layer", label()));
  name_ = std::move(name);
}

std::string Layer::label() const {
  if (name_.empty()) return fmt::format("{} layer", class_name());
  return fmt::format("layer '{}' ({})", name_, class_name());
}

void Layer::build(const Shape& input_shape) {
  if (built_) return;
  (void)output_shape(input_shape);  // the layer's own checks of its input, before anything is allocated
  const std::vector<WeightSpec> specs = weight_specs(input_shape);
  // Each variable and its gradient buffer.
  WeightMemory memory;
  for (const auto& s : specs) memory.add(name_ + "/" + s.name, s.shape, 2);
  memory.require(label(), "its weights and their gradients");
  input_shape_ = input_shape;
  vars_.clear();
  grads_.clear();
  for (const auto& s : specs) {
    vars_.push_back(std::make_shared<Variable>(name_ + "/" + s.name, s.shape, s.initializer, s.trainable, s.fans));
    grads_.emplace_back(s.shape);
  }
  variables_created(input_shape);
  built_ = true;
}

int64_t Layer::working_values(const Shape& input_shape) const {
  // The output and the gradient with respect to it.
  const int64_t out = output_shape(input_shape).numel();
  return out > std::numeric_limits<int64_t>::max() / 2 ? std::numeric_limits<int64_t>::max() : 2 * out;
}

std::vector<Variable*> Layer::variables() {
  std::vector<Variable*> v;
  for (auto& p : vars_) v.push_back(p.get());
  return v;
}

std::vector<const Variable*> Layer::variables() const {
  std::vector<const Variable*> v;
  for (const auto& p : vars_) v.push_back(p.get());
  return v;
}

int64_t Layer::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : vars_) n += p->value().size();
  return n;
}

int64_t Layer::parameter_count(const Shape& input_shape) const {
  if (built_ && input_shape == input_shape_) return parameter_count();
  int64_t n = 0;
  for (const auto& s : weight_specs(input_shape)) {
    const int64_t k = s.shape.numel();
    if (n > std::numeric_limits<int64_t>::max() - k) return std::numeric_limits<int64_t>::max();
    n += k;
  }
  return n;
}

void Layer::check_input_not_empty(const Shape& input_shape) const {
  for (int i = 0; i < input_shape.rank(); ++i) {
    if (input_shape[i] < 1) {
      throw ShapeError(fmt::format("{}: its input {} has an empty axis {} (every size must be >= 1)", label(),
                                   input_shape.str(), i));
    }
  }
}

void check_input(const Layer& layer, const Tensor& x, const Shape& expected) {
  bool ok = x.rank() == expected.rank() + 1;
  for (int i = 0; ok && i < expected.rank(); ++i) ok = x.dim(i + 1) == expected[i];
  if (!ok) {
    std::string w = "(None";
    for (auto d : expected.dims()) w += fmt::format(", {}", d);
    w += expected.rank() == 0 ? ",)" : ")";
    throw ShapeError(fmt::format("{}: expected input of shape {}, got {}", layer.label(), w, x.shape().str()));
  }
}

std::string pair_text(int64_t a, int64_t b) { return fmt::format("({}, {})", a, b); }

Shape layer_shape(const Layer& layer, const char* what, const std::vector<int64_t>& dims) {
  int64_t total = 1;
  for (int64_t d : dims) {
    if (d < 0) {
      throw ShapeError(fmt::format("{}: its {} would have a negative size ({})", layer.label(), what, fmt::join(dims, ", ")));
    }
    if (d != 0 && total > std::numeric_limits<int64_t>::max() / d) {
      throw ShapeError(fmt::format("{}: its {} ({}) would have more elements than fit in 64 bits", layer.label(), what,
                                   fmt::join(dims, ", ")));
    }
    total *= d;
  }
  return Shape(dims);
}

void WeightMemory::add(const std::string& name, const Shape& shape, uint64_t copies) {
  const uint64_t one = bytes_of(static_cast<uint64_t>(shape.numel()), sizeof(float));
  const uint64_t all = bytes_of(one, copies);
  total_ = total_ > std::numeric_limits<uint64_t>::max() - all ? std::numeric_limits<uint64_t>::max() : total_ + all;
  if (one > largest_ || largest_name_.empty()) {
    largest_ = one;
    largest_name_ = name;
    largest_shape_ = shape;
  }
}

void WeightMemory::require(const std::string& owner, const std::string& contents) const {
  if (fits_in_memory(total_)) return;
  // One tensor alone is too large: name it.
  require_memory(largest_, fmt::format("{} {}", largest_name_, largest_shape_.str()));
  try {
    require_memory(total_, owner);
  } catch (const ResourceError& e) {
    std::string m = e.what();
    const size_t at = m.find("; ", owner.size());
    if (at == std::string::npos) throw;
    m.insert(at, fmt::format(" for {}, the largest {} {} {}", contents, largest_name_, largest_shape_.str(),
                             format_bytes(largest_)));
    throw ResourceError(m);
  }
}

}  // namespace initlab
