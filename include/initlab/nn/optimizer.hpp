// Optimizers with Keras 3's update equations and defaults. State (moments,
// velocities) is keyed by the variable's name, so copying a model or its
// tensors never confuses it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "initlab/core/tensor.hpp"
#include "initlab/nn/variable.hpp"

namespace initlab {

/// Gradients by variable name, as Sequential::gradients returns them.
using Gradients = std::map<std::string, Tensor>;

/// One state tensor of an optimizer: slot `index` of variable `variable`
/// (Adam: 0 = m, 1 = v, 2 = v̂max with amsgrad; SGD: 0 = velocity; RMSprop:
/// 0 = v, 1 = the mean gradient when centered, 2 = momentum; Adagrad: 0 = the
/// accumulator), one float per element of the variable.
struct OptimizerSlot {
  std::string variable;
  int index = 0;
  std::vector<float> values;
};

struct SGDOptions {
  double learning_rate = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
};
struct AdamOptions {
  double learning_rate = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
};
struct RMSpropOptions {
  double learning_rate = 0.001;
  double rho = 0.9;
  double momentum = 0.0;
  double epsilon = 1e-7;
  bool centered = false;
};
struct AdagradOptions {
  double learning_rate = 0.001;
  double initial_accumulator_value = 0.1;
  double epsilon = 1e-7;
};

/// The options an optimizer was made with; the learning rate is the current one.
using OptimizerOptions = std::variant<SGDOptions, AdamOptions, RMSpropOptions, AdagradOptions>;

class OptimizerImpl {
 public:
  explicit OptimizerImpl(double learning_rate) : learning_rate_(learning_rate) {}
  virtual ~OptimizerImpl() = default;
  virtual std::string name() const = 0;
  /// State tensors kept per variable, each of the variable's size (Adam: 2), for memory estimates.
  virtual int slots_per_variable() const { return 0; }
  /// Its options (hyperparameters), for writing its configuration back out.
  virtual OptimizerOptions options() const = 0;
  /// One step: updates every variable that has a gradient; the step count
  /// (and Adam's bias correction) advances once per call.
  void apply_gradients(const Gradients& grads, const std::vector<Variable*>& variables);
  int64_t iterations() const { return iterations_; }
  double learning_rate() const { return learning_rate_; }
  void set_learning_rate(double lr) { learning_rate_ = lr; }

  // --- The optimizer's state, for checkpoints and for Keras optimizer groups ---
  // (io/checkpoint.hpp and the Keras readers use this one API). A slot is
  // created on a variable's first update; slot_state() lists those created so
  // far, set_slot_state() replaces them all, so that the next update continues
  // exactly where the saved optimizer stopped.
  /// Every slot created so far, ordered by (variable, index).
  std::vector<OptimizerSlot> slot_state() const;
  /// Replaces every slot. Checked first, nothing changed on error: ValueError
  /// naming the slot when its index is not one this optimizer uses, its values
  /// are empty, or it appears twice. Sizes against the variables are the
  /// caller's to check (Sequential::restore_training_state does).
  void set_slot_state(std::vector<OptimizerSlot> slots);
  /// Sets the step count (Adam's bias correction uses it); ValueError when negative.
  void set_iterations(int64_t iterations);
  /// Whether slot `index` is one this optimizer keeps (see OptimizerSlot).
  virtual bool uses_slot(int index) const { return index >= 0 && index < slots_per_variable(); }

 protected:
  /// Updates w in place with gradient g; `slot(k)` is per-variable state k (zeros at first).
  virtual void update(float* w, const float* g, int64_t n, const std::string& var) = 0;
  /// State tensor k of variable var, created as `n` zeros (or `fill`).
  float* slot(const std::string& var, int k, int64_t n, float fill = 0.0f);
  int64_t iterations_ = 0;
  double learning_rate_;

 private:
  std::map<std::pair<std::string, int>, std::vector<float>> slots_;
};

/// A shared handle so that a compiled model and its caller see the same state.
using Optimizer = std::shared_ptr<OptimizerImpl>;

/// v ← momentum·v − lr·g; w ← w + v (nesterov: w ← w + momentum·v − lr·g). Without momentum w ← w − lr·g.
Optimizer SGD(SGDOptions o = {});
/// m ← m + (1−β1)(g − m); v ← v + (1−β2)(g² − v); w ← w − lr·√(1−β2ᵗ)/(1−β1ᵗ) · m / (√v + ε)
/// (amsgrad: v replaced by its running maximum).
Optimizer Adam(AdamOptions o = {});
/// v ← ρv + (1−ρ)g²; (centered: a ← ρa + (1−ρ)g, d = v − a²) Δ = lr·g/√(d + ε);
/// momentum: m ← momentum·m + Δ, w ← w − m; else w ← w − Δ.
Optimizer RMSprop(RMSpropOptions o = {});
/// a ← a + g² (a starts at 0.1); w ← w − lr·g/√(a + ε).
Optimizer Adagrad(AdagradOptions o = {});
/// By Keras name with defaults: "sgd", "adam", "rmsprop", "adagrad".
Optimizer make_optimizer(const std::string& name);

}  // namespace initlab
