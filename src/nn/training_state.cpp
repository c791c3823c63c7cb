#include "initlab/nn/training_state.hpp"

#include <fmt/format.h>
#include <xxhash.h>

#include <cmath>
#include <set>

#include "initlab/core/error.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {
namespace {

std::string hex64(uint64_t h) { return fmt::format("{:016x}", h); }

}  // namespace

std::vector<std::string> architecture_lines(const Sequential& model) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("model '{}'", model.name()));
  lines.push_back(fmt::format("input {}", model.input_shape() ? model.input_shape()->str() : std::string("unknown")));
  for (const auto& l : model.layers()) {
    const Layer& layer = *l;
    std::string line = fmt::format("layer '{}' ({})", layer.name(), layer.class_name());
    if (const std::string d = layer.describe(); !d.empty()) line += " " + d;
    for (const Variable* v : layer.variables()) {
      line += fmt::format("; {} {}{}", v->name(), v->shape().str(), v->trainable() ? "" : " non-trainable");
    }
    lines.push_back(std::move(line));
  }
  if (model.compiled()) {
    lines.push_back(fmt::format("optimizer {}", model.optimizer()->name()));
    lines.push_back(fmt::format("loss {}", model.loss().name()));
    lines.push_back(fmt::format("metrics [{}]", fmt::join(model.metric_names(), ", ")));
  } else {
    lines.push_back("not compiled");
  }
  return lines;
}

std::string architecture_hash(const std::vector<std::string>& lines) {
  XXH3_state_t* state = XXH3_createState();
  if (state == nullptr) throw ResourceError("architecture_hash: out of memory for the hash state");
  XXH3_64bits_reset(state);
  for (const auto& l : lines) {
    XXH3_64bits_update(state, l.data(), l.size());
    XXH3_64bits_update(state, "\n", 1);
  }
  const uint64_t h = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return hex64(h);
}

std::string data_hash(const Tensor& x, const Tensor& y) {
  XXH3_state_t* state = XXH3_createState();
  if (state == nullptr) throw ResourceError("data_hash: out of memory for the hash state");
  XXH3_64bits_reset(state);
  for (const Tensor* t : {&x, &y}) {
    const std::string shape = t->shape().str();
    XXH3_64bits_update(state, shape.data(), shape.size());
    XXH3_64bits_update(state, t->data(), static_cast<size_t>(t->size()) * sizeof(float));
  }
  const uint64_t h = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return hex64(h);
}

TrainingState Sequential::training_state() const {
  TrainingState s;
  s.seed = current_seed();
  s.epochs_trained = epochs_trained_;
  s.steps_trained = steps_trained_;
  for (const auto& l : layers_) s.random_positions[l->name()] = l->random_position();
  if (optimizer_) {
    s.optimizer = OptimizerState{.name = optimizer_->name(),
                                 .iterations = optimizer_->iterations(),
                                 .learning_rate = optimizer_->learning_rate(),
                                 .slots = optimizer_->slot_state()};
  }
  s.architecture = architecture_lines(*this);
  s.architecture_hash = architecture_hash(s.architecture);
  return s;
}

void Sequential::check_training_state(const TrainingState& s, const std::string& source) const {
  std::vector<std::string> problems;
  if (!s.architecture.empty()) {
    const std::vector<std::string> here = architecture_lines(*this);
    if (here != s.architecture) {
      size_t i = 0;
      while (i < here.size() && i < s.architecture.size() && here[i] == s.architecture[i]) ++i;
      problems.push_back(fmt::format(
          "the model differs from the one saved (architecture hash {} here, {} saved): {}", architecture_hash(here),
          s.architecture_hash,
          i < here.size() && i < s.architecture.size()
              ? fmt::format("saved \"{}\", here \"{}\"", s.architecture[i], here[i])
              : i < s.architecture.size() ? fmt::format("saved \"{}\" is missing here", s.architecture[i])
                                          : fmt::format("\"{}\" here was not saved", here[i])));
    }
  }
  std::set<std::string> layer_names;
  for (const auto& l : layers_) layer_names.insert(l->name());
  for (const auto& [name, position] : s.random_positions) {
    if (layer_names.count(name) == 0) problems.push_back(fmt::format("the saved layer '{}' is not in the model", name));
  }
  if (s.optimizer && !optimizer_) {
    problems.push_back(fmt::format("an optimizer state ({}) was saved, but the model is not compiled", s.optimizer->name));
  } else if (s.optimizer) {
    const OptimizerState& o = *s.optimizer;
    if (o.name != optimizer_->name()) {
      problems.push_back(fmt::format("the optimizer is {} here, {} in the saved state", optimizer_->name(), o.name));
    }
    if (o.iterations < 0) problems.push_back(fmt::format("the optimizer's iterations are {} (negative)", o.iterations));
    if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate)) {
      problems.push_back(fmt::format("the optimizer's learning rate is {} (expected a positive number)", o.learning_rate));
    }
    std::map<std::string, int64_t> sizes;
    for (const auto& l : layers_) {
      for (const Variable* v : static_cast<const Layer&>(*l).variables()) sizes[v->name()] = v->shape().numel();
    }
    std::set<std::pair<std::string, int>> seen;
    for (const auto& slot : o.slots) {
      auto it = sizes.find(slot.variable);
      if (it == sizes.end()) {
        problems.push_back(fmt::format("optimizer slot {} of '{}': the model has no such variable", slot.index, slot.variable));
      } else if (static_cast<int64_t>(slot.values.size()) != it->second) {
        problems.push_back(fmt::format("optimizer slot {} of '{}' has {} values, the variable {}", slot.index, slot.variable,
                                       slot.values.size(), it->second));
      }
      if (o.name == optimizer_->name() && !optimizer_->uses_slot(slot.index)) {
        problems.push_back(fmt::format("optimizer slot {} of '{}' is not one this {} keeps", slot.index, slot.variable, o.name));
      }
      if (!seen.insert({slot.variable, slot.index}).second) {
        problems.push_back(fmt::format("optimizer slot {} of '{}' is given twice", slot.index, slot.variable));
      }
    }
  }
  if (!problems.empty()) {
    throw RestoreError(fmt::format("{}: the training state does not suit model '{}': {}; nothing was changed", source,
                                   name_, fmt::join(problems, "; ")));
  }
}

void Sequential::restore_training_state(const TrainingState& s, const std::string& source) {
  check_training_state(s, source);
  if (s.optimizer) optimizer_->set_slot_state(s.optimizer->slots);  // the only step that allocates: first
  set_seed(s.seed);
  epochs_trained_ = s.epochs_trained;
  steps_trained_ = s.steps_trained;
  for (auto& l : layers_) {
    auto it = s.random_positions.find(l->name());
    l->set_random_position(it == s.random_positions.end() ? 0 : it->second);
  }
  if (s.optimizer) {
    optimizer_->set_iterations(s.optimizer->iterations);
    optimizer_->set_learning_rate(s.optimizer->learning_rate);
  }
}

}  // namespace initlab
