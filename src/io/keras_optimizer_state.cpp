#include "initlab/io/keras_optimizer_state.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstring>

#include "initlab/core/error.hpp"

namespace initlab {

namespace {

// initlab's slot indices (OptimizerSlot) in Keras's order: each group is one
// pass over the trainable variables, its slots interleaved per variable.
std::vector<std::vector<int>> keras_slot_groups(const OptimizerImpl& opt) {
  const std::string kind = keras_optimizer_name(opt);
  std::vector<std::vector<int>> groups;
  auto add_if_used = [&](std::vector<int> g) {
    std::erase_if(g, [&](int k) { return !opt.uses_slot(k); });
    if (!g.empty()) groups.push_back(std::move(g));
  };
  if (kind == "adam") {
    add_if_used({0, 1});
    add_if_used({2});
  } else if (kind == "rmsprop") {
    add_if_used({0});  // velocity
    add_if_used({2});  // momentum
    add_if_used({1});  // average gradient (centered)
  } else {
    for (int k = 0; k < 8; ++k) add_if_used({k});
  }
  return groups;
}

size_t slot_count(const std::vector<std::vector<int>>& groups) {
  size_t n = 0;
  for (const auto& g : groups) n += g.size();
  return n;
}

}  // namespace

std::string keras_optimizer_name(const OptimizerImpl& optimizer) {
  std::string n = optimizer.name();
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return n;
}

std::optional<FileOptimizer> keras_optimizer_state(Sequential& model) {
  if (!model.compiled() || model.optimizer()->iterations() == 0) return std::nullopt;
  const OptimizerImpl& opt = *model.optimizer();
  FileOptimizer out;
  out.name = keras_optimizer_name(opt);
  out.variables.push_back(StoredTensor::scalar_i64("0", opt.iterations()));
  out.variables.push_back(StoredTensor::from_tensor("1", Tensor(Shape{}, {static_cast<float>(opt.learning_rate())})));
  std::map<std::pair<std::string, int>, const std::vector<float>*> by_key;
  const auto slots = opt.slot_state();
  for (const auto& s : slots) by_key[{s.variable, s.index}] = &s.values;
  const auto vars = model.trainable_variables();
  for (const auto& group : keras_slot_groups(opt)) {
    for (const Variable* v : vars) {
      for (int k : group) {
        Tensor t(v->shape(), 0.0f);
        auto it = by_key.find({v->name(), k});
        if (it != by_key.end() && static_cast<int64_t>(it->second->size()) == t.size()) {
          std::memcpy(t.data(), it->second->data(), it->second->size() * sizeof(float));
        }
        out.variables.push_back(StoredTensor::from_tensor(std::to_string(out.variables.size()), t));
      }
    }
  }
  return out;
}

std::string OptimizerRestore::str() const {
  std::string s = fmt::format("{} iteration{}", iterations, iterations == 1 ? "" : "s");
  if (learning_rate) s += fmt::format(", learning rate {:g}", *learning_rate);
  s += fmt::format(", {} slot tensor{}", slots.size(), slots.size() == 1 ? "" : "s");
  return s;
}

std::optional<OptimizerRestore> plan_optimizer_restore(Sequential& model, const FileOptimizer& file,
                                                       std::string& reason) {
  const size_t n = file.variables.size();
  if (!model.compiled()) {
    reason = fmt::format("the model is not compiled (the file holds {} optimizer variable{})", n, n == 1 ? "" : "s");
    return std::nullopt;
  }
  const OptimizerImpl& opt = *model.optimizer();
  const std::string kind = keras_optimizer_name(opt);
  std::string file_kind = file.name;
  for (char& c : file_kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool known = file_kind == "adam" || file_kind == "sgd" || file_kind == "rmsprop" || file_kind == "adagrad";
  if (known && file_kind != kind) {
    reason = fmt::format("the file's optimizer is '{}', the model is compiled with {}", file.name, opt.name());
    return std::nullopt;
  }
  const auto groups = keras_slot_groups(opt);
  const auto vars = model.trainable_variables();
  const size_t slots = slot_count(groups) * vars.size();
  const bool with_lr = n == slots + 2;
  if (!with_lr && n != slots + 1) {
    reason = fmt::format("the file has {} optimizer variables, {} keeps {} for this model (iteration, learning rate "
                         "and {} slot tensors)",
                         n, opt.name(), slots + 2, slots);
    return std::nullopt;
  }
  OptimizerRestore plan;
  const StoredTensor& it = file.variables[0];
  if (it.dtype == DType::kF32 || it.dtype == DType::kF64 || it.numel() != 1 || !(it.as_int64() >= 0)) {
    reason = fmt::format("its first variable '{}' is not an iteration count (a scalar integer, found {} {})", it.name,
                         dtype_name(it.dtype), it.shape.str());
    return std::nullopt;
  }
  plan.iterations = it.as_int64();
  size_t next = 1;
  if (with_lr) {
    const StoredTensor& lr = file.variables[1];
    const Tensor v = lr.numel() == 1 && dtype_is_float(lr.dtype) ? lr.to_float32() : Tensor();
    if (v.size() != 1 || !(v[0] > 0) || !std::isfinite(v[0])) {
      reason = fmt::format("its learning rate '{}' is not a positive float scalar (found {} {})", lr.name,
                           dtype_name(lr.dtype), lr.shape.str());
      return std::nullopt;
    }
    plan.learning_rate = v[0];
    next = 2;
  }
  for (const auto& group : groups) {
    for (const Variable* v : vars) {
      for (int k : group) {
        const StoredTensor& t = file.variables[next++];
        if (!(t.shape == v->shape()) || !dtype_is_float(t.dtype)) {
          reason = fmt::format("optimizer variable '{}' is {} {}, the slot for '{}' needs float {}", t.name,
                               dtype_name(t.dtype), t.shape.str(), v->name(), v->shape().str());
          return std::nullopt;
        }
        const Tensor values = t.to_float32();
        plan.slots.push_back({v->name(), k, std::vector<float>(values.values().begin(), values.values().end())});
      }
    }
  }
  return plan;
}

void apply_optimizer_restore(Sequential& model, const OptimizerRestore& plan) {
  OptimizerImpl& opt = *model.optimizer();
  opt.set_slot_state(plan.slots);
  opt.set_iterations(plan.iterations);
  // The file keeps the rate as float32: a rate that rounds to it stays as it is.
  if (plan.learning_rate && static_cast<float>(opt.learning_rate()) != static_cast<float>(*plan.learning_rate)) {
    opt.set_learning_rate(*plan.learning_rate);
  }
}

}  // namespace initlab
