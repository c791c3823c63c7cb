#include "initlab/nn/layer.hpp"

#include <fmt/format.h>

#include "initlab/core/error.hpp"

namespace initlab {

void Layer::set_name(std::string name) {
  if (built_) throw ValueError(fmt::format("layer '{}': cannot rename a built layer", name_));
  name_ = std::move(name);
}

void Layer::build(const Shape& input_shape) {
  if (built_) return;
  input_shape_ = input_shape;
  build_variables(input_shape);
  built_ = true;
}

Variable& Layer::add_weight(const std::string& short_name, const Shape& shape, const Initializer& init,
                            bool trainable, std::optional<Fans> fans) {
  vars_.push_back(std::make_shared<Variable>(name_ + "/" + short_name, shape, init, trainable, fans));
  grads_.emplace_back(shape);
  return *vars_.back();
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

void check_input(const Layer& layer, const Tensor& x, const Shape& expected) {
  bool ok = x.rank() == expected.rank() + 1;
  for (int i = 0; ok && i < expected.rank(); ++i) ok = x.dim(i + 1) == expected[i];
  if (!ok) {
    std::vector<int64_t> want = {-1};
    for (auto d : expected.dims()) want.push_back(d);
    std::string w = "(None";
    for (auto d : expected.dims()) w += fmt::format(", {}", d);
    w += expected.rank() == 0 ? ",)" : ")";
    throw ShapeError(fmt::format("layer '{}' ({}): expected input of shape {}, got {}", layer.name(),
                                 layer.class_name(), w, x.shape().str()));
  }
}

}  // namespace initlab
