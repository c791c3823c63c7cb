#include "initlab/nn/callback.hpp"

#include <fmt/format.h>

#include <cmath>

#include "initlab/core/error.hpp"
#include "initlab/core/atomic_file.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

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
  const bool maximize = o_.mode == "max" || (o_.mode == "auto" && o_.monitor.find("acc") != std::string::npos);
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

void EarlyStopping::on_train_end(Sequential& model) {
  if (!o_.restore_best_weights || best_weights_.empty()) return;
  std::vector<Tensor> w;
  const auto vars = model.variables();
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

}  // namespace initlab
