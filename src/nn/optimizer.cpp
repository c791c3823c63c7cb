#include "initlab/nn/optimizer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string_view>
#include <unordered_set>

#include "initlab/core/parallel.hpp"

#include "initlab/core/error.hpp"
#include "initlab/core/memory_budget.hpp"

namespace initlab {

float* OptimizerImpl::slot(const std::string& var, int k, int64_t n, float fill) {
  auto& s = slots_[{var, k}];
  if (s.empty()) {
    const uint64_t bytes = bytes_of(static_cast<uint64_t>(n), sizeof(float));
    if (!fits_in_memory(bytes)) require_memory(bytes, fmt::format("{}'s state for '{}' ({} values)", name(), var, n));
    s.assign(static_cast<size_t>(n), fill);
  }
  return s.data();
}

std::vector<OptimizerSlot> OptimizerImpl::slot_state() const {
  std::vector<OptimizerSlot> out;
  out.reserve(slots_.size());
  for (const auto& [key, values] : slots_) out.push_back({key.first, key.second, values});
  return out;
}

void OptimizerImpl::set_slot_state(std::vector<OptimizerSlot> slots) {
  std::map<std::pair<std::string, int>, std::vector<float>> next;
  for (auto& s : slots) {
    if (!uses_slot(s.index)) {
      throw ValueError(fmt::format("{}: slot {} of '{}' is not one {} keeps", name(), s.index, s.variable, name()));
    }
    if (s.values.empty()) throw ValueError(fmt::format("{}: slot {} of '{}' has no values", name(), s.index, s.variable));
    if (!next.emplace(std::make_pair(s.variable, s.index), std::move(s.values)).second) {
      throw ValueError(fmt::format("{}: slot {} of '{}' is given twice", name(), s.index, s.variable));
    }
  }
  slots_ = std::move(next);
}

void OptimizerImpl::set_iterations(int64_t iterations) {
  if (iterations < 0) throw ValueError(fmt::format("{}: iterations must be >= 0, got {}", name(), iterations));
  iterations_ = iterations;
}

void OptimizerImpl::apply_gradients(const Gradients& grads, const std::vector<Variable*>& variables) {
  // Validate everything before changing anything.
  for (const Variable* v : variables) {
    auto it = grads.find(v->name());
    if (it == grads.end()) continue;
    if (!(it->second.shape() == v->shape())) {
      throw ShapeError(fmt::format("{}: gradient for '{}' has shape {}, the variable has {}", name(), v->name(),
                                   it->second.shape().str(), v->shape().str()));
    }
  }
  std::unordered_set<std::string_view> names;
  for (const Variable* v : variables) names.insert(v->name());
  for (const auto& [var_name, g] : grads) {
    if (names.count(var_name) == 0) throw ValueError(fmt::format("{}: got a gradient for '{}', which is not among the variables", name(), var_name));
  }
  ++iterations_;
  for (Variable* v : variables) {
    auto it = grads.find(v->name());
    if (it == grads.end() || !v->trainable()) continue;
    update(v->mutable_value().data(), it->second.data(), v->value().size(), v->name());
  }
}

namespace {

// Elements per parallel chunk of an update.
constexpr int64_t kGrain = 1 << 14;

inline float flush_denormal(float x) { return std::fabs(x) < std::numeric_limits<float>::min() ? 0.0f : x; }

class SGDImpl final : public OptimizerImpl {
 public:
  explicit SGDImpl(SGDOptions o) : OptimizerImpl(o.learning_rate), o_(o) {}
  OptimizerOptions options() const override {
    SGDOptions o = o_;
    o.learning_rate = learning_rate_;
    return o;
  }
  std::string name() const override { return "SGD"; }
  int slots_per_variable() const override { return o_.momentum != 0 ? 1 : 0; }

 protected:
  void update(float* w, const float* g, int64_t n, const std::string& var) override {
    const auto lr = static_cast<float>(learning_rate_);
    if (o_.momentum == 0) {
      for (int64_t i = 0; i < n; ++i) w[i] -= lr * g[i];
      return;
    }
    const auto mu = static_cast<float>(o_.momentum);
    float* m = slot(var, 0, n);
    for (int64_t i = 0; i < n; ++i) {
      m[i] = flush_denormal(mu * m[i] - lr * g[i]);
      w[i] += o_.nesterov ? mu * m[i] - lr * g[i] : m[i];
    }
  }

 private:
  SGDOptions o_;
};

class AdamImpl final : public OptimizerImpl {
 public:
  explicit AdamImpl(AdamOptions o) : OptimizerImpl(o.learning_rate), o_(o) {}
  OptimizerOptions options() const override {
    AdamOptions o = o_;
    o.learning_rate = learning_rate_;
    return o;
  }
  std::string name() const override { return "Adam"; }
  int slots_per_variable() const override { return o_.amsgrad ? 3 : 2; }

 protected:
  void update(float* w, const float* g, int64_t n, const std::string& var) override {
    const double t = static_cast<double>(iterations_);  // already advanced for this step
    const auto alpha = static_cast<float>(learning_rate_ * std::sqrt(1.0 - std::pow(o_.beta_2, t)) /
                                          (1.0 - std::pow(o_.beta_1, t)));
    const auto b1 = static_cast<float>(1.0 - o_.beta_1), b2 = static_cast<float>(1.0 - o_.beta_2);
    const auto eps = static_cast<float>(o_.epsilon);
    float* m = slot(var, 0, n);
    float* v = slot(var, 1, n);
    float* vmax = o_.amsgrad ? slot(var, 2, n) : nullptr;
    // Element-wise, so splitting across threads changes no bit.
    parallel_for(0, n, kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        // Moments that decay below the smallest normal float become 0 (as
        // TensorFlow's flush-to-zero does): denormals are slow on most CPUs.
        m[i] = flush_denormal(m[i] + (g[i] - m[i]) * b1);
        v[i] = flush_denormal(v[i] + (g[i] * g[i] - v[i]) * b2);
      }
      if (vmax == nullptr) {
        for (int64_t i = lo; i < hi; ++i) w[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
      } else {
        for (int64_t i = lo; i < hi; ++i) {
          vmax[i] = std::max(vmax[i], v[i]);
          w[i] -= alpha * m[i] / (std::sqrt(vmax[i]) + eps);
        }
      }
    });
  }

 private:
  AdamOptions o_;
};

class RMSpropImpl final : public OptimizerImpl {
 public:
  explicit RMSpropImpl(RMSpropOptions o) : OptimizerImpl(o.learning_rate), o_(o) {}
  OptimizerOptions options() const override {
    RMSpropOptions o = o_;
    o.learning_rate = learning_rate_;
    return o;
  }
  std::string name() const override { return "RMSprop"; }
  int slots_per_variable() const override { return 1 + (o_.centered ? 1 : 0) + (o_.momentum > 0 ? 1 : 0); }
  bool uses_slot(int index) const override {
    return index == 0 || (index == 1 && o_.centered) || (index == 2 && o_.momentum > 0);
  }

 protected:
  void update(float* w, const float* g, int64_t n, const std::string& var) override {
    const auto lr = static_cast<float>(learning_rate_), rho = static_cast<float>(o_.rho);
    const auto eps = static_cast<float>(o_.epsilon), mu = static_cast<float>(o_.momentum);
    float* v = slot(var, 0, n);
    float* a = o_.centered ? slot(var, 1, n) : nullptr;
    float* m = o_.momentum > 0 ? slot(var, 2, n) : nullptr;
    for (int64_t i = 0; i < n; ++i) {
      v[i] = flush_denormal(rho * v[i] + (1 - rho) * g[i] * g[i]);
      float denom = v[i];
      if (a) {
        a[i] = rho * a[i] + (1 - rho) * g[i];
        denom -= a[i] * a[i];
      }
      const float step = lr * g[i] / std::sqrt(denom + eps);
      if (m) {
        m[i] = mu * m[i] + step;
        w[i] -= m[i];
      } else {
        w[i] -= step;
      }
    }
  }

 private:
  RMSpropOptions o_;
};

class AdagradImpl final : public OptimizerImpl {
 public:
  explicit AdagradImpl(AdagradOptions o) : OptimizerImpl(o.learning_rate), o_(o) {}
  OptimizerOptions options() const override {
    AdagradOptions o = o_;
    o.learning_rate = learning_rate_;
    return o;
  }
  std::string name() const override { return "Adagrad"; }
  int slots_per_variable() const override { return 1; }

 protected:
  void update(float* w, const float* g, int64_t n, const std::string& var) override {
    const auto lr = static_cast<float>(learning_rate_), eps = static_cast<float>(o_.epsilon);
    float* acc = slot(var, 0, n, static_cast<float>(o_.initial_accumulator_value));
    for (int64_t i = 0; i < n; ++i) {
      acc[i] += g[i] * g[i];
      w[i] -= lr * g[i] / std::sqrt(acc[i] + eps);
    }
  }

 private:
  AdagradOptions o_;
};

void check_rate(double lr, const char* who) {
  if (!(lr > 0) || !std::isfinite(lr)) {
    throw ValueError(fmt::format("{}: learning_rate must be a positive number, got {}", who, lr));
  }
}

}  // namespace

Optimizer SGD(SGDOptions o) {
  check_rate(o.learning_rate, "SGD");
  if (o.momentum < 0 || o.momentum > 1) throw ValueError(fmt::format("SGD: momentum must be in [0, 1], got {}", o.momentum));
  return std::make_shared<SGDImpl>(o);
}
Optimizer Adam(AdamOptions o) {
  check_rate(o.learning_rate, "Adam");
  return std::make_shared<AdamImpl>(o);
}
Optimizer RMSprop(RMSpropOptions o) {
  check_rate(o.learning_rate, "RMSprop");
  return std::make_shared<RMSpropImpl>(o);
}
Optimizer Adagrad(AdagradOptions o) {
  check_rate(o.learning_rate, "Adagrad");
  return std::make_shared<AdagradImpl>(o);
}
Optimizer make_optimizer(const std::string& name) {
  if (name == "sgd" || name == "SGD") return SGD();
  if (name == "adam" || name == "Adam") return Adam();
  if (name == "rmsprop" || name == "RMSprop") return RMSprop();
  if (name == "adagrad" || name == "Adagrad") return Adagrad();
  throw ConfigError(fmt::format("unknown optimizer '{}' (expected sgd, adam, rmsprop or adagrad)", name));
}

}  // namespace initlab
