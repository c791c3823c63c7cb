#include "initlab/nn/sequential.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>

#include "initlab/core/error.hpp"
#include "initlab/core/memory_budget.hpp"
#include "initlab/core/parallel.hpp"
#include "initlab/core/random_stream.hpp"
#include "initlab/core/rows.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/progress_bar.hpp"
#include "initlab/nn/training_state.hpp"

namespace initlab {
namespace {

int64_t samples_of(const Tensor& t) { return t.rank() == 0 ? 1 : t.dim(0); }

Sequential::SummaryAnnotator& summary_annotator() {
  static Sequential::SummaryAnnotator annotator = nullptr;
  return annotator;
}

std::string shape_with_batch(const Shape& s) {
  std::string out = "(None";
  for (auto d : s.dims()) out += fmt::format(", {}", d);
  return out + ")";
}

}  // namespace

// Keras's scheme: the default name, else the first free of name_1, name_2, …
// Names are only ever added, so the first free suffix never moves back: one
// cursor per default name makes naming n layers O(n) in all.
std::string Sequential::unique_name(const std::string& base) {
  int64_t& k = next_suffix_[base];
  for (;; ++k) {
    std::string n = k == 0 ? base : fmt::format("{}_{}", base, k);
    if (layer_index_.count(n) == 0) {
      ++k;
      return n;
    }
  }
}

void Sequential::set_summary_annotator(SummaryAnnotator annotator) { summary_annotator() = annotator; }

std::vector<Shape> Sequential::layer_shapes() const {
  if (!input_shape_) throw ValueError(fmt::format("model '{}': the input shape is not known yet", name_));
  std::vector<Shape> shapes;
  shapes.reserve(layers_.size() + 1);
  shapes.push_back(*input_shape_);
  for (const auto& l : layers_) shapes.push_back(l->output_shape(shapes.back()));
  return shapes;
}

Shape Sequential::output_shape() const {
  if (!input_shape_) throw ValueError(fmt::format("model '{}': the input shape is not known yet", name_));
  Shape s = *input_shape_;
  for (const auto& l : layers_) s = l->output_shape(s);
  return s;
}

void Sequential::set_input_shape(const Shape& input_shape) {
  if (built_) throw ValueError(fmt::format("model '{}': cannot change the input shape of a built model", name_));
  input_shape_ = input_shape;
}

Sequential& Sequential::add(const Input& input) {
  if (!layers_.empty()) throw ValueError(fmt::format("model '{}': Input must come before the first layer", name_));
  input_shape_ = input.shape;
  return *this;
}

Sequential& Sequential::add(std::shared_ptr<Layer> layer) {
  if (!layer) throw ValueError(fmt::format("model '{}': cannot add a null layer", name_));
  if (built_) throw ValueError(fmt::format("model '{}': cannot add layers after the model is built", name_));
  if (layer->name().empty()) {
    layer->set_name(unique_name(layer->default_name()));
  } else if (auto it = layer_index_.find(layer->name()); it != layer_index_.end()) {
    const size_t i = it->second;
    throw ValueError(fmt::format("model '{}': duplicate layer name '{}': layer {} ({}) and the new {} both use it",
                                 name_, layer->name(), i, layers_[i]->class_name(), layer->class_name()));
  }
  layer_index_.emplace(layer->name(), layers_.size());
  layers_.push_back(std::move(layer));
  return *this;
}

uint64_t Sequential::MemoryEstimate::total() const {
  uint64_t t = 0;
  for (uint64_t part : {weights, gradients, optimizer, activations}) {
    t = t > std::numeric_limits<uint64_t>::max() - part ? std::numeric_limits<uint64_t>::max() : t + part;
  }
  return t;
}

namespace {

uint64_t add_sat(uint64_t a, uint64_t b) { return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max() : a + b; }
// Parameter counts (each >= 0), saturating at INT64_MAX.
int64_t count_sat(int64_t a, int64_t b) { return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b; }

}  // namespace

Sequential::MemoryEstimate Sequential::memory_estimate(int64_t batch_size) const {
  const std::vector<Shape> shapes = layer_shapes();
  MemoryEstimate e;
  const uint64_t slots = optimizer_ ? static_cast<uint64_t>(optimizer_->slots_per_variable()) : 0;
  uint64_t per_sample = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    for (const auto& spec : layers_[i]->weight_specs(shapes[i])) {
      const uint64_t b = bytes_of(static_cast<uint64_t>(spec.shape.numel()), sizeof(float));
      e.weights = add_sat(e.weights, b);
      e.gradients = add_sat(e.gradients, b);
      if (spec.trainable) e.optimizer = add_sat(e.optimizer, bytes_of(b, slots));
    }
    per_sample = add_sat(per_sample, static_cast<uint64_t>(layers_[i]->working_values(shapes[i])));
  }
  // The batch itself and its gradient at the input.
  per_sample = add_sat(per_sample, bytes_of(static_cast<uint64_t>(shapes.front().numel()), 2));
  e.activations = bytes_of(bytes_of(per_sample, sizeof(float)), static_cast<uint64_t>(std::max<int64_t>(batch_size, 0)));
  return e;
}

void Sequential::require_weight_memory(const std::vector<Shape>& shapes) const {
  const uint64_t slots = optimizer_ ? static_cast<uint64_t>(optimizer_->slots_per_variable()) : 0;
  WeightMemory memory;
  for (size_t i = 0; i < layers_.size(); ++i) {
    for (const auto& spec : layers_[i]->weight_specs(shapes[i])) {
      memory.add(layers_[i]->name() + "/" + spec.name, spec.shape, 2 + (spec.trainable ? slots : 0));
    }
  }
  memory.require(fmt::format("model '{}'", name_),
                 slots > 0 ? fmt::format("its weights, their gradients and {}'s state", optimizer_->name())
                           : std::string("its weights and their gradients"));
}

void Sequential::require_memory_for_batch(int64_t batch_size, const char* where) const {
  const MemoryEstimate e = memory_estimate(batch_size);
  // What is still to be allocated: everything before build; afterwards the
  // activations, and the optimizer's state until its first step.
  const uint64_t stored = add_sat(add_sat(e.weights, e.gradients), e.optimizer);
  const uint64_t pending_state = optimizer_ && optimizer_->iterations() == 0 ? e.optimizer : 0;
  const uint64_t needed = built_ ? add_sat(e.activations, pending_state) : e.total();
  if (fits_in_memory(needed)) return;
  if (!built_ && !fits_in_memory(stored)) require_weight_memory(layer_shapes());
  const std::vector<Shape> shapes = layer_shapes();
  // The layer that keeps the most per sample.
  size_t widest = 0;
  int64_t most = -1;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const int64_t v = layers_[i]->working_values(shapes[i]);
    if (v > most) {
      most = v;
      widest = i;
    }
  }
  const std::string weights =
      built_ ? (pending_state > 0 ? fmt::format("{} for the optimizer's state and ", format_bytes(pending_state)) : "")
             : fmt::format("{} for the weights, their gradients and the optimizer's state and ", format_bytes(stored));
  require_memory(needed, fmt::format("{}: training model '{}' on batches of {} ({}{} for the activations of a batch; "
                                     "the largest, layer '{}' with output {}, keeps {} values per sample)",
                                     where, name_, batch_size, weights, format_bytes(e.activations),
                                     layers_[widest]->name(), shapes[widest + 1].str(), most));
}

void Sequential::build(const Shape& input_shape) {
  if (built_) return;
  if (layers_.empty()) throw ValueError(fmt::format("model '{}' has no layers", name_));
  input_shape_ = input_shape;
  // Shapes first (every layer's own checks), then the memory of everything,
  // then the variables.
  const std::vector<Shape> shapes = layer_shapes();
  require_weight_memory(shapes);
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i]->build(shapes[i]);
  // Nobody needs dL/dx of the model's input.
  layers_.front()->set_input_gradient_needed(false);
  built_ = true;
}

void Sequential::compile(Optimizer optimizer, Loss loss, std::vector<std::string> metrics) {
  if (!optimizer) throw ValueError(fmt::format("model '{}': compile needs an optimizer", name_));
  optimizer_ = std::move(optimizer);
  loss_ = loss;
  metrics_.clear();
  for (const auto& m : metrics) metrics_.emplace_back(m, loss);
  if (built_) {
    // The weights exist already: the optimizer's state is what is new.
    const uint64_t state = memory_estimate().optimizer;
    if (!fits_in_memory(state)) require_memory(state, fmt::format("{}'s state for model '{}'", optimizer_->name(), name_));
  } else if (input_shape_) {
    build(*input_shape_);
  }
}

const Loss& Sequential::loss() const {
  if (!loss_) throw ValueError(fmt::format("model '{}' is not compiled: call compile() first", name_));
  return *loss_;
}

void Sequential::check_data(const Tensor& x, const Tensor* y, const char* where) const {
  if (x.rank() < 1) throw ShapeError(fmt::format("{}: x must have a batch axis, got shape {}", where, x.shape().str()));
  if (input_shape_) {
    bool ok = x.rank() == input_shape_->rank() + 1;
    for (int i = 0; ok && i < input_shape_->rank(); ++i) ok = x.dim(i + 1) == (*input_shape_)[i];
    if (!ok) {
      throw ShapeError(fmt::format("{}: x has shape {}, but model '{}' takes inputs of shape {}", where,
                                   x.shape().str(), name_, shape_with_batch(*input_shape_)));
    }
  }
  auto check_finite = [&](const Tensor& t, const char* which) {
    const int64_t row = t.size() / std::max<int64_t>(1, samples_of(t));
    for (int64_t i = 0; i < t.size(); ++i) {
      if (!std::isfinite(t[i])) {
        throw ValueError(fmt::format("{}: {} contains {} at sample {}, position {} in the sample", where, which,
                                     std::isnan(t[i]) ? "NaN" : "infinity", i / row, i % row));
      }
    }
  };
  check_finite(x, "x");
  if (y != nullptr) {
    if (samples_of(*y) != samples_of(x)) {
      throw ShapeError(fmt::format("{}: x has {} samples but y has {} (shapes {} and {})", where, samples_of(x),
                                   samples_of(*y), x.shape().str(), y->shape().str()));
    }
    check_finite(*y, "y");
  }
}

Tensor Sequential::forward(const Tensor& x, bool training) {
  if (!built_) {
    std::vector<int64_t> d(x.shape().dims().begin() + 1, x.shape().dims().end());
    build(input_shape_ ? *input_shape_ : Shape(d));
  }
  Tensor h = x;
  if (!training || active_probes_.empty()) {
    for (auto& l : layers_) h = l->forward(h, training);
    return h;
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    h = layers_[i]->forward(h, training);
    for (auto* p : active_probes_) p->on_forward(*layers_[i], i, h);
  }
  return h;
}

void Sequential::add_probe(std::shared_ptr<Probe> probe) {
  if (!probe) throw ValueError(fmt::format("model '{}': cannot add a null probe", name_));
  probes_.push_back(std::move(probe));
}

void Sequential::remove_probe(const Probe* probe) {
  std::erase_if(probes_, [&](const auto& p) { return p.get() == probe; });
  std::erase(active_probes_, probe);
}

void Sequential::select_probes(int64_t step) {
  active_probes_.clear();
  for (auto& p : probes_) {
    if (p->wants_step(step)) active_probes_.push_back(p.get());
  }
}

std::string Sequential::locate_non_finite(const Tensor& x) {
  auto first_bad = [](const Tensor& t) -> std::optional<std::pair<int64_t, float>> {
    for (int64_t i = 0; i < t.size(); ++i) {
      if (!std::isfinite(t[i])) return std::make_pair(i, t[i]);
    }
    return std::nullopt;
  };
  auto bad_variables = [&](const Layer& l) {
    std::vector<std::string> names;
    for (const auto* v : l.variables()) {
      int64_t n = 0;
      for (float f : v->value().values()) n += std::isfinite(f) ? 0 : 1;
      if (n > 0) names.push_back(fmt::format("'{}' holds {} non-finite value{}", v->name(), n, n == 1 ? "" : "s"));
    }
    return names;
  };
  Tensor h = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = *layers_[i];
    const auto vars = bad_variables(l);
    double largest_in = 0;
    for (float f : h.values()) largest_in = std::max(largest_in, std::abs(static_cast<double>(f)));
    h = layers_[i]->forward(h, true);
    if (auto bad = first_bad(h)) {
      std::string s = fmt::format("layer {} '{}' ({}) is the first to produce a non-finite value: its output holds {} "
                                  "at position {}",
                                  i, l.name(), l.class_name(), std::isnan(bad->second) ? "NaN" : "infinity", bad->first);
      if (!vars.empty()) {
        s += fmt::format("; its variable {} (an earlier update made them so)", fmt::join(vars, ", "));
      } else {
        s += fmt::format("; its weights are finite and its largest input is {:.3g}, so the signal grew too large "
                         "going forward through the layers",
                         largest_in);
      }
      return s;
    }
  }
  return "every layer's output is finite on this batch: the loss itself overflowed";
}

// The fused sigmoid/softmax + cross-entropy path (Keras uses the logits too):
// dL/dz = p − y directly, exact even where the probabilities saturate.
bool Sequential::fused_output() const {
  const auto* last = dynamic_cast<const Dense*>(layers_.back().get());
  if (last == nullptr || loss().from_logits()) return false;
  const auto act = last->activation().kind();
  const auto lk = loss().kind();
  return (act == Activation::Kind::kSigmoid && lk == Loss::Kind::kBinaryCrossentropy) ||
         (act == Activation::Kind::kSoftmax &&
          (lk == Loss::Kind::kCategoricalCrossentropy || lk == Loss::Kind::kSparseCategoricalCrossentropy));
}

double Sequential::train_batch_loss(const Tensor& x, const Tensor& y, bool want_grads, Tensor* pred_out) {
  const Loss& l = loss();
  Tensor pred = forward(x, true);
  if (pred_out) *pred_out = pred;
  auto* last = dynamic_cast<Dense*>(layers_.back().get());
  const bool fused = fused_output();
  Tensor grad(pred.shape());
  const double value = fused ? l.compute_from_logits(last->pre_activation(), y, want_grads ? &grad : nullptr)
                             : l.compute(pred, y, want_grads ? &grad : nullptr);
  if (!want_grads) return value;
  if (active_probes_.empty()) {
    Tensor g = fused ? last->backward_from_pre_activation(grad) : layers_.back()->backward(grad);
    for (size_t i = layers_.size() - 1; i-- > 0;) g = layers_[i]->backward(g);
    return value;
  }
  // Observed: each layer's input gradient is computed even for the first layer.
  layers_.front()->set_input_gradient_needed(true);
  const size_t top = layers_.size() - 1;
  Tensor g = fused ? last->backward_from_pre_activation(grad) : layers_.back()->backward(grad);
  for (auto* p : active_probes_) p->on_backward(*layers_[top], top, grad, fused);
  for (size_t i = top; i-- > 0;) {
    Tensor dy = g;
    g = layers_[i]->backward(dy);
    for (auto* p : active_probes_) p->on_backward(*layers_[i], i, dy, false);
  }
  layers_.front()->set_input_gradient_needed(false);
  return value;
}

Gradients Sequential::gradient_handles() {
  Gradients grads;
  for (auto& l : layers_) {
    const auto vars = l->variables();
    for (size_t i = 0; i < vars.size(); ++i) {
      if (vars[i]->trainable()) grads.emplace(vars[i]->name(), l->gradient(i));
    }
  }
  return grads;
}

Gradients Sequential::gradients(const Tensor& x, const Tensor& y) {
  check_data(x, &y, "gradients");
  (void)loss();
  if (samples_of(x) == 0) throw ValueError(fmt::format("gradients: model '{}' was given no samples", name_));
  if (!built_) {
    std::vector<int64_t> d(x.shape().dims().begin() + 1, x.shape().dims().end());
    build(input_shape_ ? *input_shape_ : Shape(d));
  }
  require_memory_for_batch(samples_of(x), "gradients");
  forward(slice_rows(x, 0, std::min<int64_t>(1, samples_of(x))), false);  // builds the model if needed
  const Shape out = output_shape();
  std::vector<int64_t> pd = {samples_of(x)};
  for (auto d : out.dims()) pd.push_back(d);
  loss().check_targets(Shape(pd), y);
  select_probes(steps_trained_);
  train_batch_loss(x, y, true, nullptr);
  active_probes_.clear();
  Gradients copies;
  for (auto& [k, v] : gradient_handles()) copies.emplace(k, v.clone());
  return copies;
}

double Sequential::loss_value(const Tensor& x, const Tensor& y) { return train_batch_loss(x, y, false, nullptr); }

std::vector<Variable*> Sequential::variables() {
  std::vector<Variable*> v;
  for (auto& l : layers_) {
    for (auto* p : l->variables()) v.push_back(p);
  }
  return v;
}

std::vector<Variable*> Sequential::trainable_variables() {
  std::vector<Variable*> v;
  for (auto* p : variables()) {
    if (p->trainable()) v.push_back(p);
  }
  return v;
}

std::vector<Tensor> Sequential::get_weights() {
  std::vector<Tensor> w;
  for (auto* v : variables()) w.push_back(v->value().clone());
  return w;
}

void Sequential::set_weights(const std::vector<Tensor>& weights) {
  const auto vars = variables();
  std::vector<std::string> problems;
  if (weights.size() != vars.size()) {
    problems.push_back(fmt::format("expected {} tensors, got {}", vars.size(), weights.size()));
  }
  for (size_t i = 0; i < std::min(weights.size(), vars.size()); ++i) {
    if (!(weights[i].shape() == vars[i]->shape())) {
      problems.push_back(fmt::format("tensor {} for '{}' has shape {}, expected {}", i, vars[i]->name(),
                                     weights[i].shape().str(), vars[i]->shape().str()));
    }
  }
  if (!problems.empty()) {
    throw ShapeError(fmt::format("set_weights on model '{}': {}; nothing was changed", name_, fmt::join(problems, "; ")));
  }
  for (size_t i = 0; i < vars.size(); ++i) vars[i]->assign(weights[i]);
}

Layer& Sequential::layer(const std::string& name) {
  if (auto it = layer_index_.find(name); it != layer_index_.end() && layers_[it->second]->name() == name) {
    return *layers_[it->second];
  }
  for (auto& l : layers_) {  // a layer renamed after it was added
    if (l->name() == name) return *l;
  }
  std::vector<std::string> names;
  for (auto& l : layers_) names.push_back(l->name());
  throw ValueError(fmt::format("model '{}' has no layer '{}' (layers: {})", name_, name, fmt::join(names, ", ")));
}

void Sequential::throw_wrong_layer_type(const std::string& name) const {
  throw ValueError(fmt::format("model '{}': layer '{}' is not of the requested type", name_, name));
}

// Where the running fit stands; fit_progress() reads it.
struct Sequential::FitCursor {
  const FitOptions* options = nullptr;
  const Tensor* x = nullptr;  // the training part
  const Tensor* y = nullptr;
  History* history = nullptr;
  int epoch = 0;
  int64_t step = 0;
  double loss_sum = 0;
  int64_t seen = 0;
  std::vector<double> correct, count;
  mutable std::string data_hash;  // computed on the first fit_progress()
};

std::vector<std::string> Sequential::metric_names() const {
  std::vector<std::string> names;
  for (const auto& m : metrics_) names.push_back(m.name());
  return names;
}

History Sequential::fit(const Tensor& x_all, const Tensor& y_all, const FitOptions& o) {
  if (!compiled()) throw ValueError(fmt::format("fit: model '{}' is not compiled; call compile(optimizer, loss) first", name_));
  if (o.batch_size < 1) throw ValueError(fmt::format("fit: batch_size must be >= 1, got {}", o.batch_size));
  if (o.epochs < 0) throw ValueError(fmt::format("fit: epochs must be >= 0, got {}", o.epochs));
  if (!(o.validation_split >= 0 && o.validation_split < 1)) {
    throw ValueError(fmt::format("fit: validation_split must be in [0, 1), got {}", o.validation_split));
  }
  check_data(x_all, &y_all, "fit");
  // Build, then check the targets against the output shape before any step.
  if (!built_) {
    std::vector<int64_t> d(x_all.shape().dims().begin() + 1, x_all.shape().dims().end());
    build(input_shape_ ? *input_shape_ : Shape(d));
  }
  std::vector<int64_t> pd = {samples_of(x_all)};
  const Shape out_shape = output_shape();
  for (auto d : out_shape.dims()) pd.push_back(d);
  loss().check_targets(Shape(pd), y_all);

  Tensor x = x_all, y = y_all;
  std::optional<std::pair<Tensor, Tensor>> val = o.validation_data;
  if (val) {
    check_data(val->first, &val->second, "fit (validation_data)");
    if (samples_of(val->first) == 0) throw ValueError("fit: validation_data has no samples");
  }
  if (o.validation_split > 0 && !val) {
    // Keras: the first floor(n·(1 − split)) samples train, the rest validate,
    // and a split that leaves either part empty is an error.
    const int64_t n = samples_of(x_all);
    auto split_at = [&](int64_t count) {
      return static_cast<int64_t>(std::floor(static_cast<double>(count) * (1.0 - o.validation_split)));
    };
    const int64_t at = split_at(n);
    if (at <= 0 || at >= n) {
      int64_t needed = 0;  // the fewest samples this split leaves both parts of
      for (int64_t m = 2; m <= (int64_t{1} << 20) && needed == 0; ++m) {
        if (split_at(m) >= 1 && split_at(m) < m) needed = m;
      }
      throw ValueError(fmt::format(
          "fit: validation_split={} of {} sample{} leaves {} for training and {} for validation; {}, or use "
          "validation_split=0",
          o.validation_split, n, n == 1 ? "" : "s", std::clamp<int64_t>(at, 0, n), n - std::clamp<int64_t>(at, 0, n),
          needed > 0 ? fmt::format("this split needs at least {} samples", needed)
                     : std::string("this split is too small to hold out a sample")));
    }
    x = slice_rows(x_all, 0, at);
    y = slice_rows(y_all, 0, at);
    val = std::make_pair(slice_rows(x_all, at, n), slice_rows(y_all, at, n));
  }
  const int64_t n = samples_of(x);
  if (n == 0) throw ValueError("fit: no training samples (x is empty)");
  require_memory_for_batch(std::min(n, o.batch_size), "fit");
  const int64_t steps = (n + o.batch_size - 1) / o.batch_size;
  const Verbosity verbose = o.verbose == Verbosity::kAuto
                                ? (ProgressBar::stdout_is_terminal() ? Verbosity::kProgressBar : Verbosity::kOneLinePerEpoch)
                                : o.verbose;
  if (o.initial_epoch < 0) throw ValueError(fmt::format("fit: initial_epoch must be >= 0, got {}", o.initial_epoch));
  const FitProgress* resume = o.resume ? &*o.resume : nullptr;
  if (resume) check_resume(*resume, o, x, y, steps);
  // Shuffling draws from the model's own stream, one substream per epoch.
  const RandomStream shuffle_stream = RandomStream::named(current_seed(), name_ + "/fit/shuffle");
  std::vector<int64_t> order(static_cast<size_t>(n));

  History history = resume ? resume->history : History{};
  FitCursor cur{.options = &o, .x = &x, .y = &y, .history = &history};
  cur.epoch = resume ? resume->epoch : o.initial_epoch;
  const int first_epoch = cur.epoch;
  fit_cursor_ = &cur;
  struct ClearCursor {
    const FitCursor*& p;
    ~ClearCursor() { p = nullptr; }
  } clear_cursor{fit_cursor_};

  Tensor xb, yb;  // batch buffers, reused across steps
  // A fit stopped mid-epoch (by a probe) and saved there still ends that epoch.
  bool finish_epoch_only = resume != nullptr && resume->stopped && resume->step > 0;
  stop_training = resume != nullptr && resume->stopped && !finish_epoch_only;
  for (auto& cb : o.callbacks) cb->on_train_begin(*this);
  if (resume) {
    for (size_t i = 0; i < o.callbacks.size(); ++i) o.callbacks[i]->set_state(resume->callback_states[i]);
  }
  auto running_logs = [&] {
    Logs running{{"loss", cur.loss_sum / static_cast<double>(cur.seen)}};
    for (size_t m = 0; m < metrics_.size(); ++m) running[metrics_[m].name()] = cur.correct[m] / cur.count[m];
    return running;
  };
  for (int epoch = first_epoch; epoch < o.epochs && !stop_training; ++epoch) {
    if (o.shuffle) {
      order = shuffle_stream.substream(epochs_trained_).permutation(n);
    } else {
      for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
    }
    if (verbose != Verbosity::kSilent) std::cout << fmt::format("Epoch {}/{}\n", epoch + 1, o.epochs);
    ProgressBar bar(std::cout, steps, verbose == Verbosity::kProgressBar);
    cur.epoch = epoch;
    if (resume != nullptr && epoch == first_epoch) {  // the interrupted epoch continues
      cur.step = resume->step;
      cur.loss_sum = resume->loss_sum;
      cur.seen = resume->seen;
      cur.correct = resume->metric_correct;
      cur.count = resume->metric_count;
    } else {
      cur.step = 0;
      cur.loss_sum = 0;
      cur.seen = 0;
      cur.correct.assign(metrics_.size(), 0);
      cur.count.assign(metrics_.size(), 0);
    }
    for (int64_t s = cur.step; s < steps && !finish_epoch_only; ++s) {
      const int64_t lo = s * o.batch_size, hi = std::min(n, lo + o.batch_size);
      gather_rows(x, order.data() + lo, hi - lo, xb);
      gather_rows(y, order.data() + lo, hi - lo, yb);
      Tensor pred;
      select_probes(steps_trained_);
      const double lv = train_batch_loss(xb, yb, true, &pred);
      if (!std::isfinite(lv)) {
        active_probes_.clear();
        throw NonFiniteError(fmt::format(
            "fit: the loss became {} at epoch {}, step {} of the epoch (training step {}): {}. Usual causes: a "
            "learning rate too large, or initial weights too large for the depth (check the initializer's scale)",
            lv, epoch + 1, s + 1, steps_trained_ + 1, locate_non_finite(xb)));
      }
      for (size_t m = 0; m < metrics_.size(); ++m) {
        cur.correct[m] += metrics_[m].correct(pred, yb);
        cur.count[m] += static_cast<double>(metrics_[m].count(pred));
      }
      optimizer_->apply_gradients(gradient_handles(), trainable_variables());
      for (auto& p : probes_) p->on_step_end(*this, steps_trained_, lv);
      active_probes_.clear();
      ++steps_trained_;
      cur.loss_sum += lv * static_cast<double>(hi - lo);
      cur.seen = hi;
      cur.step = s + 1;
      if (verbose == Verbosity::kProgressBar || !o.callbacks.empty()) {
        const Logs running = running_logs();
        if (verbose == Verbosity::kProgressBar) bar.update(s + 1, running);
        for (auto& cb : o.callbacks) cb->on_batch_end(*this, epoch, s, running);
        for (auto& cb : o.callbacks) cb->on_save_point(*this, epoch, s, false, running);
      }
      if (stop_training) break;  // set by a probe: the epoch ends here (Keras 3 checks after every batch)
    }
    if (finish_epoch_only) {
      finish_epoch_only = false;
      stop_training = true;
    }
    Logs logs = running_logs();
    if (val) {
      for (const auto& [k, v] : evaluate(val->first, val->second, o.batch_size)) logs["val_" + k] = v;
    }
    if (verbose != Verbosity::kSilent) bar.finish(logs);
    ++epochs_trained_;
    history.epoch.push_back(epoch);
    for (const auto& [k, v] : logs) history.history[k].push_back(v);
    for (auto& cb : o.callbacks) stop_training = cb->on_epoch_end(*this, epoch, logs) || stop_training;
    cur.epoch = epoch + 1;
    cur.step = 0;
    cur.loss_sum = 0;
    cur.seen = 0;
    cur.correct.assign(metrics_.size(), 0);
    cur.count.assign(metrics_.size(), 0);
    for (auto& cb : o.callbacks) cb->on_save_point(*this, epoch, steps - 1, true, logs);
  }
  for (auto& cb : o.callbacks) cb->on_train_end(*this);
  return history;
}

void Sequential::check_resume(const FitProgress& r, const FitOptions& o, const Tensor& x, const Tensor& y,
                              int64_t steps) const {
  std::vector<std::string> problems;
  if (r.batch_size != o.batch_size) problems.push_back(fmt::format("batch_size {} (this fit: {})", r.batch_size, o.batch_size));
  if (r.shuffle != o.shuffle) problems.push_back(fmt::format("shuffle={} (this fit: {})", r.shuffle, o.shuffle));
  if (r.samples != samples_of(x)) problems.push_back(fmt::format("{} training samples (this fit: {})", r.samples, samples_of(x)));
  else if (r.data_hash != data_hash(x, y)) problems.push_back(fmt::format("other training data (data hash {}, this fit's {})", r.data_hash, data_hash(x, y)));
  if (r.callback_states.size() != o.callbacks.size()) {
    problems.push_back(fmt::format("{} callbacks (this fit: {})", r.callback_states.size(), o.callbacks.size()));
  }
  if (r.metric_correct.size() != metrics_.size() || r.metric_count.size() != metrics_.size()) {
    problems.push_back(fmt::format("{} metrics (this model: {})", r.metric_correct.size(), metrics_.size()));
  }
  if (r.epoch < 0 || r.step < 0 || r.step > steps || r.seen < 0 || r.seen > samples_of(x)) {
    problems.push_back(fmt::format("a cursor outside the data (epoch {}, batch {} of {}, {} samples seen)", r.epoch, r.step, steps, r.seen));
  } else if (r.step > 0 && r.seen != std::min(samples_of(x), r.step * o.batch_size)) {
    problems.push_back(fmt::format("{} samples seen after {} batches of {}", r.seen, r.step, o.batch_size));
  }
  if (!problems.empty()) {
    throw ValueError(fmt::format("fit: model '{}' cannot resume this progress; it was saved by a fit with {}", name_,
                                 fmt::join(problems, ", ")));
  }
}

FitProgress Sequential::fit_progress() const {
  if (fit_cursor_ == nullptr) throw ValueError(fmt::format("fit_progress: model '{}' is not inside fit()", name_));
  const FitCursor& c = *fit_cursor_;
  FitProgress p;
  p.epoch = c.epoch;
  p.step = c.step;
  p.loss_sum = c.loss_sum;
  p.seen = c.seen;
  p.metric_correct = c.correct;
  p.metric_count = c.count;
  p.stopped = stop_training;
  p.history = *c.history;
  for (const auto& cb : c.options->callbacks) p.callback_states.push_back(cb->state());
  p.batch_size = c.options->batch_size;
  p.shuffle = c.options->shuffle;
  p.samples = samples_of(*c.x);
  if (c.data_hash.empty()) c.data_hash = data_hash(*c.x, *c.y);
  p.data_hash = c.data_hash;
  return p;
}

Logs Sequential::evaluate(const Tensor& x, const Tensor& y, int64_t batch_size) {
  check_data(x, &y, "evaluate");
  if (batch_size < 1) throw ValueError(fmt::format("evaluate: batch_size must be >= 1, got {}", batch_size));
  if (samples_of(x) == 0) throw ValueError(fmt::format("evaluate: model '{}' was given no samples", name_));
  const Loss& l = loss();
  const Tensor pred = predict(x, batch_size);
  l.check_targets(pred.shape(), y);
  Logs logs;
  // The loss of the whole set at once, from the same predictions.
  logs["loss"] = l.compute(pred, y, nullptr);
  for (const auto& m : metrics_) logs[m.name()] = m.correct(pred, y) / static_cast<double>(m.count(pred));
  return logs;
}

Tensor Sequential::predict(const Tensor& x, int64_t batch_size) {
  check_data(x, nullptr, "predict");
  if (batch_size < 1) throw ValueError(fmt::format("predict: batch_size must be >= 1, got {}", batch_size));
  const int64_t n = samples_of(x);
  if (!built_) {
    std::vector<int64_t> d(x.shape().dims().begin() + 1, x.shape().dims().end());
    build(input_shape_ ? *input_shape_ : Shape(d));
  }
  if (n == 0) {
    std::vector<int64_t> d = {0};
    const Shape out = output_shape();  // dims() views the Shape: keep it alive
    for (auto k : out.dims()) d.push_back(k);
    return Tensor(Shape(d));
  }
  {
    // Inference keeps about half of what a training step does.
    const MemoryEstimate e = memory_estimate(std::min(n, batch_size));
    const uint64_t out_bytes = bytes_of(static_cast<uint64_t>(output_shape().numel()), bytes_of(static_cast<uint64_t>(n), sizeof(float)));
    require_memory(add_sat(out_bytes, e.activations / 2),
                   fmt::format("predict: model '{}' on {} samples in batches of {} (the predictions and one batch's "
                               "activations)",
                               name_, n, std::min(n, batch_size)));
  }
  Tensor out;
  for (int64_t lo = 0; lo < n; lo += batch_size) {
    const int64_t hi = std::min(n, lo + batch_size);
    const Tensor p = forward(slice_rows(x, lo, hi), false);
    if (lo == 0) {
      std::vector<int64_t> d(p.shape().dims().begin(), p.shape().dims().end());
      d[0] = n;
      out = Tensor{Shape(d)};
    }
    std::copy(p.data(), p.data() + p.size(), out.data() + lo * (p.size() / (hi - lo)));
  }
  return out;
}

std::string Sequential::summary() {
  std::string s = fmt::format("Model: \"{}\"\n", name_);
  if (!input_shape_) return s + "(not built yet: add an Input or call build(input_shape) to see shapes)\n";
  // From shapes and initializers alone: a summary never allocates a weight.
  struct Row {
    std::string layer, shape, params, inits;
  };
  std::vector<Row> rows;
  const std::vector<Shape> shapes = layer_shapes();
  int64_t total = 0, trainable = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = *layers_[i];
    std::vector<std::string> inits;
    int64_t params = 0;
    for (const auto& spec : l.weight_specs(shapes[i])) {
      inits.push_back(fmt::format("{}: {}", spec.name, spec.trainable ? spec.initializer.id() : "adapted"));
      params = count_sat(params, spec.shape.numel());
      if (spec.trainable) trainable = count_sat(trainable, spec.shape.numel());
    }
    total = count_sat(total, params);
    rows.push_back({fmt::format("{} ({})", l.name(), l.class_name()), shape_with_batch(shapes[i + 1]),
                    std::to_string(params), inits.empty() ? "—" : fmt::format("{}", fmt::join(inits, ", "))});
  }
  size_t w0 = 12, w1 = 12, w2 = 7;
  for (const auto& r : rows) {
    w0 = std::max(w0, r.layer.size());
    w1 = std::max(w1, r.shape.size());
    w2 = std::max(w2, r.params.size());
  }
  const std::string rule(w0 + w1 + w2 + 40, '-');
  s += rule + "\n";
  s += fmt::format("{:<{}}  {:<{}}  {:>{}}  {}\n", "Layer (type)", w0, "Output Shape", w1, "Param #", w2, "Initializers");
  s += rule + "\n";
  for (const auto& r : rows) {
    s += fmt::format("{:<{}}  {:<{}}  {:>{}}  {}\n", r.layer, w0, r.shape, w1, r.params, w2, r.inits);
  }
  s += rule + "\n";
  s += fmt::format("Total params: {}\nTrainable params: {}\nNon-trainable params: {}\n", total, trainable, total - trainable);
  if (summary_annotator() != nullptr) s += summary_annotator()(*this);
  return s;
}

}  // namespace initlab
