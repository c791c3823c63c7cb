#include "initlab/nn/callback.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "initlab/core/error.hpp"
#include "initlab/core/atomic_file.hpp"
#include "initlab/core/exact_json.hpp"
#include "initlab/core/json_text.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

namespace {

// The field `key` of a callback's saved state, which must be an object.
const nlohmann::json& state_field(const nlohmann::json& state, const char* key, const char* who) {
  if (!state.is_object()) throw ValueError(fmt::format("{}: expected a saved state object, found {}", who, json_excerpt(state)));
  auto it = state.find(key);
  if (it == state.end()) throw ValueError(fmt::format("{}: the saved state has no '{}'", who, key));
  return *it;
}

template <class T>
T state_value(const nlohmann::json& state, const char* key, const char* who) {
  const nlohmann::json& v = state_field(state, key, who);
  try {
    return v.get<T>();
  } catch (const nlohmann::json::exception&) {
    throw ValueError(fmt::format("{}: the saved state's '{}' is {}, not the expected type", who, key, json_excerpt(v)));
  }
}

}  // namespace

bool monitor_maximizes(const std::string& monitor, const std::string& mode) {
  return mode == "max" || (mode == "auto" && monitor.find("acc") != std::string::npos);
}

nlohmann::json Callback::state() const { return nullptr; }

void Callback::set_state(const nlohmann::json& state) {
  if (!state.is_null()) {
    throw ValueError(fmt::format("callback: a saved state {} was given to a callback that keeps none", json_excerpt(state)));
  }
}

double History::last(const std::string& key) const {
  auto it = history.find(key);
  if (it == history.end() || it->second.empty()) {
    throw ValueError(fmt::format("History has no '{}' (it has: {})", key, [&] {
      std::string keys;
      for (const auto& [k, v] : history) keys += (keys.empty() ? "" : ", ") + k;
      return keys;
    }()));
  }
  return it->second.back();
}

void EarlyStopping::on_train_begin(Sequential&) {
  have_best_ = false;
  wait_ = 0;
  stopped_epoch_ = -1;
  best_epoch_ = -1;
  best_weights_.clear();
}

bool EarlyStopping::on_epoch_end(Sequential& model, int epoch, const Logs& logs) {
  auto it = logs.find(o_.monitor);
  if (it == logs.end()) {
    std::string keys;
    for (const auto& [k, v] : logs) keys += (keys.empty() ? "" : ", ") + k;
    throw ValueError(fmt::format("EarlyStopping: monitor '{}' is not in the logs (available: {})", o_.monitor, keys));
  }
  const bool maximize = monitor_maximizes(o_.monitor, o_.mode);
  const double v = it->second;
  const bool better = !have_best_ || (maximize ? v > best_ + o_.min_delta : v < best_ - o_.min_delta);
  if (better) {
    best_ = v;
    have_best_ = true;
    best_epoch_ = epoch;
    wait_ = 0;
    if (o_.restore_best_weights) {
      best_weights_.clear();
      for (auto& w : model.get_weights()) best_weights_.emplace_back(w.values().begin(), w.values().end());
    }
    return false;
  }
  if (++wait_ > o_.patience) {
    stopped_epoch_ = epoch;
    return true;
  }
  return false;
}

nlohmann::json EarlyStopping::state() const {
  nlohmann::json weights = nlohmann::json::array();
  for (const auto& w : best_weights_) weights.push_back(w);
  return {{"best", exact_json(best_)}, {"have_best", have_best_},     {"wait", wait_},
          {"stopped_epoch", stopped_epoch_}, {"best_epoch", best_epoch_}, {"best_weights", weights}};
}

void EarlyStopping::set_state(const nlohmann::json& state) {
  constexpr const char* who = "EarlyStopping";
  const double best = exact_double(state_field(state, "best", who), "EarlyStopping: the saved state's 'best'");
  const auto have_best = state_value<bool>(state, "have_best", who);
  const auto wait = state_value<int>(state, "wait", who);
  const auto stopped = state_value<int>(state, "stopped_epoch", who);
  const auto best_epoch = state_value<int>(state, "best_epoch", who);
  auto weights = state_value<std::vector<std::vector<float>>>(state, "best_weights", who);
  best_ = best;
  have_best_ = have_best;
  wait_ = wait;
  stopped_epoch_ = stopped;
  best_epoch_ = best_epoch;
  best_weights_ = std::move(weights);
}

void EarlyStopping::on_train_end(Sequential& model) {
  if (!o_.restore_best_weights || best_weights_.empty()) return;
  std::vector<Tensor> w;
  const auto vars = model.variables();
  if (best_weights_.size() != vars.size()) {
    throw ValueError(fmt::format("EarlyStopping: the best weights hold {} tensors, model '{}' has {} variables",
                                 best_weights_.size(), model.name(), vars.size()));
  }
  for (size_t i = 0; i < vars.size(); ++i) w.emplace_back(vars[i]->shape(), std::span<const float>(best_weights_[i]));
  model.set_weights(w);
}

void CSVLogger::on_train_begin(Sequential&) {
  // A path that cannot be written fails now, not after the first epoch's work.
  if (path_.empty()) throw ValueError("CSVLogger: the file name is empty");
  check_writable(path_);
  text_.clear();
  keys_.clear();
}

bool CSVLogger::on_epoch_end(Sequential&, int epoch, const Logs& logs) {
  if (keys_.empty()) {
    for (const auto& [k, v] : logs) keys_.push_back(k);
    text_ = "epoch";
    for (const auto& k : keys_) text_ += "," + k;
    text_ += "\n";
  }
  text_ += std::to_string(epoch);
  for (const auto& k : keys_) {
    auto it = logs.find(k);
    text_ += it == logs.end() ? "," : fmt::format(",{:.9g}", it->second);
  }
  text_ += "\n";
  write_file_atomically(path_, text_);
  return false;
}

nlohmann::json CSVLogger::state() const { return {{"text", text_}, {"keys", keys_}}; }

void CSVLogger::set_state(const nlohmann::json& state) {
  auto text = state_value<std::string>(state, "text", "CSVLogger");
  auto keys = state_value<std::vector<std::string>>(state, "keys", "CSVLogger");
  text_ = std::move(text);
  keys_ = std::move(keys);
}

}  // namespace initlab
