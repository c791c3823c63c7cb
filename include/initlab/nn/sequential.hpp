// Sequential: a stack of layers trained with fit(), as in Keras.
//
//   initlab::Sequential model;
//   model.add(initlab::Input(initlab::Shape{2}));
//   model.add(initlab::Dense(3, {.activation = "sigmoid", .name = "layer1"}));
//   model.add(initlab::Dense(1, {.activation = "sigmoid", .name = "layer2"}));
//   model.compile(initlab::Adam({.learning_rate = 0.01}), "binary_crossentropy", {"accuracy"});
//   auto history = model.fit(x, y, {.epochs = 10});
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "initlab/nn/callback.hpp"
#include "initlab/nn/layer.hpp"
#include "initlab/nn/loss.hpp"
#include "initlab/nn/metric.hpp"
#include "initlab/nn/optimizer.hpp"
#include "initlab/nn/probe.hpp"
#include "initlab/nn/training_state.hpp"

namespace initlab {

/// The shape of one sample (no batch axis), as keras.Input(shape=...).
struct Input {
  explicit Input(Shape s) : shape(std::move(s)) {}
  Shape shape;
};

enum class Verbosity { kAuto, kSilent, kProgressBar, kOneLinePerEpoch };

struct FitOptions {
  int64_t batch_size = 32;
  int epochs = 1;
  Verbosity verbose = Verbosity::kAuto;  ///< auto: a progress bar on a terminal, else one line per epoch
  std::optional<std::pair<Tensor, Tensor>> validation_data{};
  /// The LAST fraction of x, y (taken before shuffling), as Keras: the first
  /// floor(n·(1 − split)) samples train, the rest validate; a split that leaves
  /// either side empty is an error saying how many samples it needs.
  double validation_split = 0;
  bool shuffle = true;
  std::vector<std::shared_ptr<Callback>> callbacks{};
  /// The epoch to start at, as Keras: fit(epochs=4, initial_epoch=2) trains
  /// epochs 2 and 3 (numbered so in the history and the callbacks).
  int initial_epoch = 0;
  /// Continue a fit from where fit_progress() stood (initial_epoch is then
  /// the progress's epoch): the interrupted epoch's shuffle order is drawn
  /// again, training starts at its batch cursor with its running sums, the
  /// history returned starts with the saved one and every callback gets its
  /// saved state after on_train_begin. The batch size, shuffle, training data
  /// and callbacks must be those of the saved fit (ValueError saying what
  /// differs). Restore the weights and training_state() first.
  std::optional<FitProgress> resume{};
};

class Sequential {
 public:
  explicit Sequential(std::string name = "sequential") : name_(std::move(name)) {}

  Sequential& add(const Input& input);
  Sequential& add(std::shared_ptr<Layer> layer);
  template <class L, class = std::enable_if_t<std::is_base_of_v<Layer, L>>>
  Sequential& add(L layer) {
    return add(std::shared_ptr<Layer>(std::make_shared<L>(std::move(layer))));
  }

  const std::string& name() const { return name_; }
  /// Builds every layer for samples of `input_shape` (done by the first call
  /// otherwise). Checks every layer's shapes, then the memory of all weights,
  /// their gradients and the optimizer's state, before allocating any.
  void build(const Shape& input_shape);
  bool built() const { return built_; }
  /// Declares the shape of one input sample without building (as an Input would).
  void set_input_shape(const Shape& input_shape);
  /// Shape of one output sample (no batch axis).
  Shape output_shape() const;
  /// Shape of one input sample, once an Input or build() gave it.
  const std::optional<Shape>& input_shape() const { return input_shape_; }
  /// The input shape of each layer (no batch axis), from the model's input
  /// shape alone; then the model's output shape last (layers().size() + 1 shapes).
  std::vector<Shape> layer_shapes() const;

  /// What the model needs in memory, from shapes alone (nothing is allocated).
  struct MemoryEstimate {
    uint64_t weights = 0;      ///< every variable's value
    uint64_t gradients = 0;    ///< a gradient buffer per variable
    uint64_t optimizer = 0;    ///< the compiled optimizer's state (0 before compile)
    uint64_t activations = 0;  ///< what one training step on a batch keeps alive
    uint64_t total() const;
  };
  MemoryEstimate memory_estimate(int64_t batch_size = 0) const;
  /// Throws ResourceError (figure and culprit) unless a training step on a batch
  /// of `batch_size` fits beside the weights; `where` starts the message ("fit").
  void require_memory_for_batch(int64_t batch_size, const char* where) const;

  void compile(Optimizer optimizer, Loss loss, std::vector<std::string> metrics = {});
  bool compiled() const { return optimizer_ != nullptr; }

  History fit(const Tensor& x, const Tensor& y, const FitOptions& options = {});
  /// {"loss": ..., "accuracy": ...} over the data.
  Logs evaluate(const Tensor& x, const Tensor& y, int64_t batch_size = 32);
  Tensor predict(const Tensor& x, int64_t batch_size = 32);

  /// dL/d(variable) by variable name for one batch (the model's loss, training mode).
  Gradients gradients(const Tensor& x, const Tensor& y);
  /// The mean loss on (x, y) without touching gradients, training mode.
  double loss_value(const Tensor& x, const Tensor& y);

  /// Observers of every training pass (fit, gradients); see nn/probe.hpp.
  void add_probe(std::shared_ptr<Probe> probe);
  void remove_probe(const Probe* probe);
  const std::vector<std::shared_ptr<Probe>>& probes() const { return probes_; }
  /// Training steps taken by fit so far.
  int64_t steps_trained() const { return steps_trained_; }
  /// Epochs fit has completed so far, over every call (keys each epoch's shuffle).
  uint64_t epochs_trained() const { return epochs_trained_; }
  /// The compiled metrics' names, in order.
  std::vector<std::string> metric_names() const;

  /// The counters, random positions and optimizer state a bit-exact
  /// continuation needs besides the weights (see nn/training_state.hpp).
  TrainingState training_state() const;
  /// Throws RestoreError listing every way `state` does not suit this model
  /// (another architecture, an unknown layer, another optimizer, a slot whose
  /// variable is missing or of another size); changes nothing.
  void check_training_state(const TrainingState& state, const std::string& source) const;
  /// check_training_state, then sets the counters, the layers' random
  /// positions, the optimizer's iterations, learning rate and slots, and the
  /// global seed (set_seed(state.seed): every stream is keyed by it).
  void restore_training_state(const TrainingState& state, const std::string& source);
  /// During fit (from a callback): where the fit stands, to resume it with
  /// FitOptions::resume. ValueError outside fit.
  FitProgress fit_progress() const;
  std::vector<Variable*> variables();
  std::vector<Variable*> trainable_variables();

  /// Every variable's value in order (copies), and their replacement (shapes checked, all or nothing).
  std::vector<Tensor> get_weights();
  void set_weights(const std::vector<Tensor>& weights);

  Layer& layer(const std::string& name);
  /// Keras's name for layer(name).
  Layer& get_layer(const std::string& name) { return layer(name); }
  template <class L>
  L& layer(const std::string& name) {
    auto* p = dynamic_cast<L*>(&layer(name));
    if (p == nullptr) throw_wrong_layer_type(name);
    return *p;
  }
  const std::vector<std::shared_ptr<Layer>>& layers() const { return layers_; }
  /// Keras-like table: layer (type), output shape, parameters, initializer of each
  /// weight; then the notes of the summary annotator, when one is installed
  /// (diag/advisor.hpp installs the init advisor).
  std::string summary();
  using SummaryAnnotator = std::string (*)(Sequential& model);
  static void set_summary_annotator(SummaryAnnotator annotator);

  const Loss& loss() const;
  const Optimizer& optimizer() const { return optimizer_; }
  bool stop_training = false;

 private:
  Tensor forward(const Tensor& x, bool training);
  /// Loss of the batch; when want_grads, backpropagates and fills the layers' gradients.
  double train_batch_loss(const Tensor& x, const Tensor& y, bool want_grads, Tensor* pred_out);
  Gradients gradient_handles();
  void check_data(const Tensor& x, const Tensor* y, const char* where) const;
  /// ValueError listing how a progress to resume differs from this fit.
  void check_resume(const FitProgress& progress, const FitOptions& o, const Tensor& x, const Tensor& y, int64_t steps) const;
  [[noreturn]] void throw_wrong_layer_type(const std::string& name) const;
  std::string unique_name(const std::string& base);
  /// Throws ResourceError unless the weights, gradients and optimizer state fit.
  void require_weight_memory(const std::vector<Shape>& shapes) const;

  std::string name_;
  std::vector<std::shared_ptr<Layer>> layers_;
  std::unordered_map<std::string, size_t> layer_index_;   // layer name → position in layers_
  std::unordered_map<std::string, int64_t> next_suffix_;  // default name → next _k to try (0: none)
  std::optional<Shape> input_shape_;
  bool built_ = false;
  Optimizer optimizer_;
  std::optional<Loss> loss_;
  std::vector<Metric> metrics_;
  bool fused_output() const;  // last layer's sigmoid/softmax folded into the loss
  uint64_t epochs_trained_ = 0;  // keys each epoch's shuffle
  int64_t steps_trained_ = 0;
  struct FitCursor;                       // where the running fit stands (sequential.cpp)
  const FitCursor* fit_cursor_ = nullptr;  // set during fit
  std::vector<std::shared_ptr<Probe>> probes_;
  std::vector<Probe*> active_probes_;  // those that want the current step
  void select_probes(int64_t step);
  /// Names the first layer whose output is not finite on batch x (after the
  /// loss turned non-finite), and the variables that hold non-finite values.
  std::string locate_non_finite(const Tensor& x);
};

}  // namespace initlab
