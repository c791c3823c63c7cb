#include "initlab/lab/init_lab.hpp"
#include "initlab/lab/init_spec.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <regex>

#include "initlab/core/error.hpp"
#include "initlab/core/memory_budget.hpp"
#include "initlab/core/rows.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/data/csv.hpp"
#include "initlab/data/fashion_mnist.hpp"
#include "initlab/data/playground.hpp"
#include "initlab/diag/advisor.hpp"
#include "initlab/diag/stats_probe.hpp"
#include "initlab/nn/activation_layer.hpp"
#include "initlab/nn/batch_normalization.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/lsuv.hpp"
#include "initlab/nn/progress_bar.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {
namespace {

using Clock = std::chrono::steady_clock;

struct LabData {
  std::string description;
  Tensor x_train, y_train, x_test, y_test;  // y one-hot
  int64_t classes = 0;
};

LabData load_lab_data(const InitLabOptions& o) {
  std::string name = o.dataset;
  if (name == "auto") name = fashion_mnist_available() ? "fashion_mnist" : "spiral";
  if (name == "fashion_mnist" || name == "fashion-mnist") {
    const FashionMnist f = load_fashion_mnist();
    const int64_t n = f.train.images.dim(0), m = f.test.images.dim(0);
    return {"Fashion-MNIST (60000 training, 10000 test images; pixels in [0, 1])",
            f.train.images.reshape(Shape{n, 784}), one_hot(f.train.labels, 10), f.test.images.reshape(Shape{m, 784}),
            one_hot(f.test.labels, 10), 10};
  }
  const auto names = playground_dataset_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    throw ValueError(fmt::format("lab: unknown data set '{}' (expected auto, fashion_mnist, or a Playground "
                                 "classification set: circle, xor, gauss, spiral)",
                                 name));
  }
  const PlaygroundData p = playground_dataset(name, {.samples = 2000, .noise = 0.1, .seed = o.seed});
  if (!p.classification) {
    throw ValueError(fmt::format("lab: '{}' is a regression set; the lab compares classifiers (circle, xor, gauss, spiral)",
                                 name));
  }
  auto classes = [](const Tensor& y) {
    Tensor c(Shape{y.dim(0)});
    for (int64_t i = 0; i < y.dim(0); ++i) c[i] = y[i] > 0 ? 1.0f : 0.0f;
    return one_hot(c, 2);
  };
  return {fmt::format("TensorFlow Playground '{}' (2000 points, noise 0.1; 1000 training, 1000 test)", name), p.train.x,
          classes(p.train.y), p.test.x, classes(p.test.y), 2};
}

Sequential make_model(const InitLabOptions& o, int64_t in, int64_t classes, const Initializer& init) {
  Sequential m("lab");
  m.add(Input(Shape{in}));
  for (int i = 0; i < o.depth; ++i) {
    if (o.batch_norm) {
      m.add(Dense(o.width, {.kernel_initializer = init}));
      m.add(BatchNormalization());
      m.add(ActivationLayer(o.activation));
    } else {
      m.add(Dense(o.width, {.activation = o.activation, .kernel_initializer = init}));
    }
  }
  m.add(Dense(classes, {.activation = "softmax", .kernel_initializer = init}));
  return m;
}

Optimizer make_lab_optimizer(const InitLabOptions& o) {
  if (o.optimizer == "sgd") return SGD({.learning_rate = o.learning_rate, .momentum = o.momentum});
  if (o.optimizer == "adam") return Adam({.learning_rate = o.learning_rate});
  if (o.optimizer == "rmsprop") return RMSprop({.learning_rate = o.learning_rate});
  throw ValueError(fmt::format("lab: unknown optimizer '{}' (expected sgd, adam or rmsprop)", o.optimizer));
}

// Evaluates the model on the held-out samples at the chosen steps, drives the
// progress bar and stops fit after the last step.
class EvalProbe : public Probe {
 public:
  EvalProbe(InitLabRun& run, const Tensor& x, const Tensor& y, std::vector<int64_t> at, int64_t steps, ProgressBar* bar)
      : run_(run), x_(x), y_(y), at_(std::move(at)), steps_(steps), bar_(bar) {}
  bool wants_step(int64_t) override { return false; }
  void on_step_end(Sequential& model, int64_t step, double loss) override {
    const int64_t done = step + 1;
    if (std::find(at_.begin(), at_.end(), done) != at_.end()) record(model, done);
    if (bar_ && (done % 10 == 0 || done == steps_)) bar_->update(done, {{"loss", loss}});
    if (done >= steps_) model.stop_training = true;
  }
  void record(Sequential& model, int64_t step) {
    const Logs l = model.evaluate(x_, y_, 512);
    run_.eval_steps.push_back(step);
    run_.eval_loss.push_back(l.at("loss"));
    run_.eval_accuracy.push_back(l.at("accuracy"));
  }

 private:
  InitLabRun& run_;
  const Tensor &x_, &y_;
  std::vector<int64_t> at_;
  int64_t steps_;
  ProgressBar* bar_;
};

std::string fmt_std(double v) {
  if (std::isnan(v)) return "—";
  if (v == 0) return "0";
  return fmt::format("{:.3g}", v);
}

std::string fmt_fraction(double v) { return std::isnan(v) ? "—" : fmt::format("{:.0f}%", 100 * v); }

void print_layers(std::ostream& out, const Snapshot& s) {
  out << fmt::format("    {:<10} {:>10} {:>12} {:>12} {:>6} {:>10}\n", "layer", "act std", "∂L/∂z std", "∂L/∂W std",
                     "dead", "saturated");
  const size_t n = s.layers.size();
  const size_t stride = n > 12 ? (n + 9) / 10 : 1;
  for (size_t i = 0; i < n; ++i) {
    if (i % stride != 0 && i + 1 != n) continue;
    const auto& l = s.layers[i];
    out << fmt::format("    {:<10} {:>10} {:>12} {:>12} {:>6} {:>10}\n", l.layer, fmt_std(l.activation_std),
                       fmt_std(l.pre_activation_gradient_std), fmt_std(l.weight_gradient_std),
                       fmt_fraction(l.dead_fraction), fmt_fraction(l.saturated_fraction));
  }
}

std::string verdict_chips(const std::vector<Verdict>& v) {
  std::vector<std::string> names;
  for (const auto& x : v) {
    const std::string n = verdict_name(x.kind);
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

std::vector<int64_t> eval_points(int64_t steps, int evaluations) {
  std::vector<int64_t> at;
  for (int k = 1; k < evaluations; ++k) {
    const auto s = static_cast<int64_t>(std::llround(static_cast<double>(k) * static_cast<double>(steps) /
                                                     static_cast<double>(evaluations - 1)));
    if (s > 0 && (at.empty() || s != at.back())) at.push_back(s);
  }
  return at;
}

void check_options(const InitLabOptions& o) {
  auto positive = [](const char* what, int64_t v) {
    if (v < 1) throw ValueError(fmt::format("lab: {} must be >= 1, got {}", what, v));
  };
  positive("depth", o.depth);
  positive("width", o.width);
  positive("steps", o.steps);
  positive("batch size", o.batch_size);
  positive("eval samples", o.eval_samples);
  if (o.evaluations < 2) throw ValueError(fmt::format("lab: evaluations must be >= 2, got {}", o.evaluations));
  if (o.initializers.empty()) throw ValueError("lab: no initializers to compare");
  if (!(o.learning_rate > 0)) throw ValueError(fmt::format("lab: the learning rate must be > 0, got {}", o.learning_rate));
  (void)Activation(o.activation);  // throws with the valid names
}

// The network's memory from shapes alone, before any data is loaded or weight
// allocated: weights, gradients, the optimizer's state and one batch's
// activations (the largest of training, probing and evaluation batches).
void check_lab_memory(const InitLabOptions& o) {
  const bool fashion = o.dataset == "fashion_mnist" || o.dataset == "fashion-mnist" ||
                       (o.dataset == "auto" && fashion_mnist_available());
  const int64_t in = fashion ? 784 : 2, classes = fashion ? 10 : 2;
  const Sequential m = make_model(o, in, classes, Initializer("zeros"));
  const int64_t batch = std::max<int64_t>({o.batch_size, 256, 512});
  const Sequential::MemoryEstimate e = m.memory_estimate(batch);
  const uint64_t state = bytes_of(e.weights, static_cast<uint64_t>(make_lab_optimizer(o)->slots_per_variable()));
  const uint64_t total = e.total() > UINT64_MAX - state ? UINT64_MAX : e.total() + state;
  if (fits_in_memory(total)) return;
  const uint64_t kernel = bytes_of(bytes_of(static_cast<uint64_t>(o.width), static_cast<uint64_t>(std::max(o.width, in))),
                                   sizeof(float));
  require_memory(total, fmt::format("lab: the network {} → {} × Dense({}) → Dense({}) (weights {}, each hidden kernel up "
                                    "to {}, their gradients and the optimizer's state; the activations of a batch of {}: {})",
                                    in, o.depth, o.width, classes, format_bytes(e.weights), format_bytes(kernel), batch,
                                    format_bytes(e.activations)));
}

}  // namespace

InitLabResult run_init_lab(const InitLabOptions& o, std::ostream& out) {
  check_options(o);
  std::vector<Initializer> inits;  // parsed first: a typo fails before any work
  for (const auto& spec : o.initializers) inits.push_back(spec == "lsuv" ? Initializer("orthogonal") : parse_initializer(spec));
  (void)make_lab_optimizer(o);
  check_lab_memory(o);

  InitLabResult result;
  result.options = o;
  const LabData data = load_lab_data(o);
  const int64_t in = data.x_train.dim(1);
  result.dataset = data.description;
  result.architecture = fmt::format("{} → {} × Dense({}, {}){} → Dense({}, softmax)", in, o.depth, o.width, o.activation,
                                    o.batch_norm ? " with BatchNormalization" : "", data.classes);
  const int64_t n_eval = std::min(o.eval_samples, data.x_test.dim(0));
  const Tensor x_eval = slice_rows(data.x_test, 0, n_eval), y_eval = slice_rows(data.y_test, 0, n_eval);
  const int64_t n_probe = std::min<int64_t>(std::max<int64_t>(o.batch_size, 256), data.x_train.dim(0));
  const Tensor x_probe = slice_rows(data.x_train, 0, n_probe), y_probe = slice_rows(data.y_train, 0, n_probe);
  const std::vector<int64_t> at = eval_points(o.steps, o.evaluations);
  const int64_t per_epoch = (data.x_train.dim(0) + o.batch_size - 1) / o.batch_size;
  const int epochs = static_cast<int>((o.steps + per_epoch - 1) / per_epoch);
  const bool live = o.progress && isatty(fileno(stderr)) == 1;

  out << fmt::format("initlab lab: {} initializers on {}\n", o.initializers.size(), data.description);
  out << fmt::format("network {}; {} {} steps of batch {} (learning rate {:g}{}), seed {}\n\n", result.architecture,
                     o.optimizer == "sgd" ? "SGD + momentum" : o.optimizer, o.steps, o.batch_size, o.learning_rate,
                     o.optimizer == "sgd" ? fmt::format(", momentum {:g}", o.momentum) : "", o.seed);

  for (size_t r = 0; r < inits.size(); ++r) {
    const auto t0 = Clock::now();
    const bool lsuv = o.initializers[r] == "lsuv";
    InitLabRun run;
    run.initializer = o.initializers[r];
    set_seed(o.seed);
    Sequential model = make_model(o, in, data.classes, inits[r]);
    model.compile(make_lab_optimizer(o), "categorical_crossentropy", {"accuracy"});
    run.description = lsuv ? "orthogonal, then each layer rescaled to unit output variance on a calibration batch "
                             "(LSUV, Mishkin & Matas 2016)"
                           : inits[r].describe(Shape{o.width, o.width});
    if (lsuv) {
      for (const auto& l : lsuv_initialize(model, x_probe)) {
        run.notes.push_back(fmt::format("LSUV '{}': {} rescaling{}, output variance {:.3g} → {:.3g}{}", l.layer,
                                        l.iterations, l.iterations == 1 ? "" : "s", l.initial_variance, l.final_variance,
                                        l.converged ? "" : " (not within tolerance)"));
      }
    }
    for (const auto& a : advise(model, {.lsuv = lsuv})) {
      run.notes.push_back(fmt::format("[{}] {}: {} ({})", a.rule, a.message, a.why, a.arithmetic));
    }
    run.at_init = StatsProbe::probe(model, x_probe, y_probe, {.histogram_bins = o.histogram_bins});
    run.verdicts = judge(run.at_init, model);

    out << fmt::format("[{}/{}] {} — {}\n", r + 1, inits.size(), run.initializer, run.description);
    print_layers(out, run.at_init);
    for (const auto& line : verdict_lines(run.verdicts)) out << "    verdict: " << line << "\n";
    for (const auto& n : run.notes) out << "    note: " << n << "\n";
    out.flush();

    ProgressBar bar(std::cerr, o.steps, live);
    auto eval = std::make_shared<EvalProbe>(run, x_eval, y_eval, at, o.steps, live ? &bar : nullptr);
    eval->record(model, 0);
    model.add_probe(eval);
    try {
      model.fit(data.x_train, data.y_train, {.batch_size = o.batch_size, .epochs = epochs, .verbose = Verbosity::kSilent});
      const Logs test = model.evaluate(data.x_test, data.y_test, 512);
      run.test_loss = test.at("loss");
      run.test_accuracy = test.at("accuracy");
    } catch (const NonFiniteError& e) {
      run.diverged = true;
      run.error = e.what();
      run.test_loss = NAN;
      run.test_accuracy = 0;
    }
    if (live) std::cerr << "\r\033[K" << std::flush;
    run.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (run.diverged) {
      out << fmt::format("    training diverged after {:.1f} s: {}\n\n", run.seconds, run.error);
    } else {
      out << fmt::format("    trained {} steps in {:.1f} s: held-out loss {:.3g} → {:.3g}, test accuracy {:.2f}%\n\n",
                         o.steps, run.seconds, run.eval_loss.front(), run.eval_loss.back(), 100 * run.test_accuracy);
    }
    result.runs.push_back(std::move(run));
  }

  result.ranking.resize(result.runs.size());
  for (size_t i = 0; i < result.ranking.size(); ++i) result.ranking[i] = i;
  std::stable_sort(result.ranking.begin(), result.ranking.end(), [&](size_t a, size_t b) {
    const auto &x = result.runs[a], &y = result.runs[b];
    if (x.diverged != y.diverged) return !x.diverged;
    if (x.test_accuracy != y.test_accuracy) return x.test_accuracy > y.test_accuracy;
    return x.test_loss < y.test_loss;
  });
  size_t w = 11;
  for (const auto& r : result.runs) w = std::max(w, r.initializer.size());
  out << fmt::format("{:>4}  {:<{}}  {:>9}  {:>9}  {:>7}  {}\n", "rank", "initializer", w, "test acc", "test loss",
                     "time", "at initialization");
  out << std::string(4 + 2 + w + 2 + 9 + 2 + 9 + 2 + 7 + 2 + 30, '-') << "\n";
  for (size_t i = 0; i < result.ranking.size(); ++i) {
    const auto& r = result.runs[result.ranking[i]];
    out << fmt::format("{:>4}  {:<{}}  {:>9}  {:>9}  {:>6.1f}s  {}\n", i + 1, r.initializer, w,
                       r.diverged ? "diverged" : fmt::format("{:.2f}%", 100 * r.test_accuracy),
                       r.diverged ? "—" : fmt::format("{:.4f}", r.test_loss), r.seconds, verdict_chips(r.verdicts));
  }
  if (!o.report.empty()) {
    write_init_lab_report(result, o.report);
    out << fmt::format("\nreport: {}\n", o.report);
  }
  return result;
}

}  // namespace initlab
