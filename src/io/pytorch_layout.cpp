#include "initlab/io/pytorch_layout.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

#include "initlab/core/error.hpp"
#include "initlab/io/weight_naming.hpp"
#include "initlab/nn/activation_layer.hpp"
#include "initlab/nn/batch_normalization.hpp"
#include "initlab/nn/conv2d.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/dropout.hpp"
#include "initlab/nn/pooling.hpp"

namespace initlab {

namespace {

using Map = std::array<int64_t, 3>;  // (H, W, C)

// The (H, W, C) map a Flatten turned into the input of layer i, when layer i is
// the first Dense after it (only Dropout and Activation layers between).
std::optional<Map> flattened_map_before(const Sequential& model, const std::vector<Shape>& shapes, size_t i) {
  for (size_t j = i; j-- > 0;) {
    const Layer& l = *model.layers()[j];
    if (dynamic_cast<const Flatten*>(&l) != nullptr) {
      const Shape& s = shapes[j];
      if (s.rank() != 3) return std::nullopt;
      return Map{s[0], s[1], s[2]};
    }
    if (dynamic_cast<const Dropout*>(&l) == nullptr && dynamic_cast<const ActivationLayer*>(&l) == nullptr) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// Row r of a Keras kernel (h·W + w)·C + c is PyTorch's column (c·H + h)·W + w.
int64_t torch_column(int64_t r, const std::optional<Map>& map) {
  if (!map) return r;
  const auto [h_, w_, c_] = *map;
  const int64_t c = r % c_, hw = r / c_, w = hw % w_, h = hw / w_;
  return (c * h_ + h) * w_ + w;
}

// kernel (in, out) → weight (out, in), rows permuted for a flattened map.
Tensor dense_to_torch(const Tensor& k, const std::optional<Map>& map) {
  const int64_t in = k.dim(0), out = k.dim(1);
  Tensor w(Shape{out, in});
  for (int64_t r = 0; r < in; ++r) {
    const int64_t col = torch_column(r, map);
    for (int64_t o = 0; o < out; ++o) w[o * in + col] = k[r * out + o];
  }
  return w;
}

Tensor dense_from_torch(const Tensor& w, const std::optional<Map>& map) {
  const int64_t out = w.dim(0), in = w.dim(1);
  Tensor k(Shape{in, out});
  for (int64_t r = 0; r < in; ++r) {
    const int64_t col = torch_column(r, map);
    for (int64_t o = 0; o < out; ++o) k[r * out + o] = w[o * in + col];
  }
  return k;
}

// K (kh, kw, in, out) ↔ W (out, in, kh, kw): W[o, i, h, w] = K[h, w, i, o].
Tensor conv_to_torch(const Tensor& k) {
  const int64_t kh = k.dim(0), kw = k.dim(1), in = k.dim(2), out = k.dim(3);
  Tensor w(Shape{out, in, kh, kw});
  for (int64_t h = 0; h < kh; ++h)
    for (int64_t x = 0; x < kw; ++x)
      for (int64_t i = 0; i < in; ++i)
        for (int64_t o = 0; o < out; ++o) w[((o * in + i) * kh + h) * kw + x] = k[((h * kw + x) * in + i) * out + o];
  return w;
}

Tensor conv_from_torch(const Tensor& w) {
  const int64_t out = w.dim(0), in = w.dim(1), kh = w.dim(2), kw = w.dim(3);
  Tensor k(Shape{kh, kw, in, out});
  for (int64_t h = 0; h < kh; ++h)
    for (int64_t x = 0; x < kw; ++x)
      for (int64_t i = 0; i < in; ++i)
        for (int64_t o = 0; o < out; ++o) k[((h * kw + x) * in + i) * out + o] = w[((o * in + i) * kh + h) * kw + x];
  return k;
}

bool is_dense(const Layer& l) { return dynamic_cast<const Dense*>(&l) != nullptr; }
bool is_conv(const Layer& l) { return dynamic_cast<const Conv2D*>(&l) != nullptr; }

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Compares module keys component by component, numbers as numbers: "2" < "10", "features.2" < "features.10".
bool module_key_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const size_t ie = std::min(a.find('.', i), a.size()), je = std::min(b.find('.', j), b.size());
    const std::string_view x(a.data() + i, ie - i), y(b.data() + j, je - j);
    const bool xn = !x.empty() && std::all_of(x.begin(), x.end(), ::isdigit);
    const bool yn = !y.empty() && std::all_of(y.begin(), y.end(), ::isdigit);
    if (x != y) {
      if (xn && yn && x.size() != y.size()) return x.size() < y.size();
      return x < y;
    }
    i = ie + 1;
    j = je + 1;
  }
  return a.size() < b.size();
}

}  // namespace

TensorSet pytorch_state_dict(const Sequential& model) {
  if (!model.built()) throw ValueError(fmt::format("model '{}' is not built: it has no weights to export", model.name()));
  const std::vector<Shape> shapes = model.layer_shapes();
  const std::vector<int64_t> index = pytorch_module_indices(model);
  TensorSet set;
  for (size_t i = 0; i < model.layers().size(); ++i) {
    const Layer& l = *model.layers()[i];
    const auto vars = l.variables();
    if (vars.empty()) continue;
    const auto names = pytorch_parameter_names(l);
    for (size_t j = 0; j < vars.size(); ++j) {
      const std::string key = fmt::format("{}.{}", index[i], names[j]);
      const Tensor& v = vars[j]->value();
      Tensor t = v;
      if (j == 0 && is_dense(l)) t = dense_to_torch(v, flattened_map_before(model, shapes, i));
      if (j == 0 && is_conv(l)) t = conv_to_torch(v);
      set.add(StoredTensor::from_tensor(key, t), "PyTorch state dict");
    }
    if (dynamic_cast<const BatchNormalization*>(&l) != nullptr) {
      set.add(StoredTensor::scalar_i64(fmt::format("{}.num_batches_tracked", index[i]), 0), "PyTorch state dict");
    }
  }
  set.metadata["format"] = "pt";
  return set;
}

bool looks_like_pytorch_names(const TensorSet& set) {
  if (set.empty()) return false;
  for (const auto& t : set.tensors()) {
    const size_t dot = t.name.rfind('.');
    if (dot == std::string::npos || dot == 0) return false;
    size_t start = 0;
    while (start <= t.name.size()) {
      const size_t end = std::min(t.name.find('.', start), t.name.size());
      if (!is_identifier(std::string_view(t.name).substr(start, end - start))) return false;
      start = end + 1;
    }
  }
  return true;
}

FileWeights file_weights_from_pytorch(const Sequential& model, const TensorSet& set, const std::string& where) {
  (void)where;
  // Modules in index order, each with its parameters by name.
  std::vector<std::string> keys;
  std::map<std::string, std::vector<const StoredTensor*>> modules;
  for (const auto& t : set.tensors()) {
    const std::string key = t.name.substr(0, t.name.rfind('.'));
    if (modules.find(key) == modules.end()) keys.push_back(key);
    modules[key].push_back(&t);
  }
  std::stable_sort(keys.begin(), keys.end(), module_key_less);

  std::vector<size_t> weighted;
  for (size_t i = 0; i < model.layers().size(); ++i) {
    if (!model.layers()[i]->variables().empty()) weighted.push_back(i);
  }
  const std::vector<Shape> shapes = model.input_shape() ? model.layer_shapes() : std::vector<Shape>{};
  FileWeights out;
  out.match = LayerMatch::kPosition;
  size_t next = 0;
  for (const std::string& key : keys) {
    FileLayer f{key, "", {}};
    std::vector<const StoredTensor*> rest = modules[key];
    std::erase_if(rest, [&](const StoredTensor* t) { return t->name == key + ".num_batches_tracked"; });
    if (rest.empty()) continue;
    const Layer* layer = next < weighted.size() ? model.layers()[weighted[next]].get() : nullptr;
    if (layer != nullptr) {
      // The layer's parameters in its order, then whatever else the module has.
      for (const std::string& p : pytorch_parameter_names(*layer)) {
        auto it = std::find_if(rest.begin(), rest.end(), [&](const StoredTensor* t) { return t->name == key + "." + p; });
        if (it == rest.end()) continue;
        const StoredTensor& t = **it;
        rest.erase(it);
        StoredTensor converted = t;
        if (p == "weight" && dtype_is_float(t.dtype) && is_dense(*layer) && t.shape.rank() == 2) {
          const auto map = shapes.empty() ? std::nullopt : flattened_map_before(model, shapes, weighted[next]);
          const bool fits = !map || (*map)[0] * (*map)[1] * (*map)[2] == t.shape[1];
          converted = StoredTensor::from_tensor(t.name, dense_from_torch(t.to_float32(), fits ? map : std::nullopt));
        } else if (p == "weight" && dtype_is_float(t.dtype) && is_conv(*layer) && t.shape.rank() == 4) {
          converted = StoredTensor::from_tensor(t.name, conv_from_torch(t.to_float32()));
        }
        f.tensors.push_back(std::move(converted));
      }
    }
    for (const StoredTensor* t : rest) f.tensors.push_back(*t);
    out.layers.push_back(std::move(f));
    ++next;
  }
  return out;
}

}  // namespace initlab
