#include "initlab/io/weight_naming.hpp"

#include <cctype>
#include <unordered_map>

#include "initlab/nn/activation_layer.hpp"
#include "initlab/nn/batch_normalization.hpp"
#include "initlab/nn/conv2d.hpp"
#include "initlab/nn/dense.hpp"

namespace initlab {

namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

// Whether the layer applies an activation of its own that PyTorch writes as a module after it.
bool has_own_activation(const Layer& layer) {
  if (const auto* d = dynamic_cast<const Dense*>(&layer)) return d->activation().kind() != Activation::Kind::kLinear;
  if (const auto* c = dynamic_cast<const Conv2D*>(&layer)) return c->activation().kind() != Activation::Kind::kLinear;
  return false;
}

}  // namespace

// Keras (keras/src/utils/naming.py, to_snake_case):
//   re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name), then re.sub("([a-z])([A-Z])", r"\1_\2", …).lower()
std::string keras_snake_case(std::string_view name) {
  std::string first;
  for (size_t i = 0; i < name.size(); ++i) {
    // "(.)([A-Z][a-z]+)": an underscore before an upper-case letter that starts a
    // lower-case run, unless it begins the name. (Where Python's non-overlapping
    // matches would skip one, the previous character is lower-case and the
    // second pass puts the same underscore there.)
    if (i > 0 && is_upper(name[i]) && i + 1 < name.size() && is_lower(name[i + 1])) first.push_back('_');
    first.push_back(name[i]);
  }
  std::string out;
  for (size_t i = 0; i < first.size(); ++i) {
    if (i > 0 && is_lower(first[i - 1]) && is_upper(first[i])) out.push_back('_');
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(first[i]))));
  }
  return out;
}

std::vector<std::string> keras3_layer_names(const Sequential& model) {
  std::vector<std::string> names;
  std::unordered_map<std::string, int64_t> seen;
  for (const auto& layer : model.layers()) {
    const std::string base = keras_snake_case(layer->class_name());
    const int64_t n = seen[base]++;
    names.push_back(n == 0 ? base : base + "_" + std::to_string(n));
  }
  return names;
}

std::vector<std::string> keras3_layer_paths(const Sequential& model) {
  auto names = keras3_layer_names(model);
  for (auto& n : names) n = "layers/" + n;
  return names;
}

std::vector<int64_t> pytorch_module_indices(const Sequential& model) {
  std::vector<int64_t> indices;
  int64_t next = 0;
  for (const auto& layer : model.layers()) {
    indices.push_back(next);
    next += has_own_activation(*layer) ? 2 : 1;
  }
  return indices;
}

std::vector<std::string> pytorch_parameter_names(const Layer& layer) {
  if (dynamic_cast<const BatchNormalization*>(&layer) != nullptr) {
    return {"weight", "bias", "running_mean", "running_var"};
  }
  std::vector<std::string> names;
  const bool weight_bias = dynamic_cast<const Dense*>(&layer) != nullptr || dynamic_cast<const Conv2D*>(&layer) != nullptr;
  for (const Variable* v : layer.variables()) {
    const std::string_view s = short_variable_name(v->name());
    if (weight_bias && s == "kernel") names.emplace_back("weight");
    else names.emplace_back(s);
  }
  return names;
}

std::string_view short_variable_name(std::string_view variable_name) {
  const size_t slash = variable_name.rfind('/');
  return slash == std::string_view::npos ? variable_name : variable_name.substr(slash + 1);
}

}  // namespace initlab
