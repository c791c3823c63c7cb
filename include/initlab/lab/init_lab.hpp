// The initialization lab: one architecture, many initializers, the same data
// and training budget; what each does to the signal at initialization and to
// training. `initlab lab` runs it and writes report.html.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "initlab/diag/layer_stats.hpp"
#include "initlab/diag/verdicts.hpp"

namespace initlab {

struct InitLabOptions {
  std::string dataset = "auto";  ///< auto: fashion_mnist when installed, else spiral; or a Playground set
  std::string activation = "relu";
  int depth = 20;                ///< hidden layers
  int64_t width = 64;
  /// Initializer ids or Keras configs; "lsuv" means orthogonal + LSUV.
  std::vector<std::string> initializers = {"zeros",          "random_normal(0.05)", "random_normal(1.0)",
                                           "glorot_uniform", "he_normal",           "lecun_normal",
                                           "orthogonal",     "lsuv"};
  std::string optimizer = "sgd";  ///< sgd (with momentum), adam, rmsprop
  double learning_rate = 0.01;
  double momentum = 0.9;          ///< for sgd
  bool batch_norm = false;        ///< BatchNormalization after every hidden Dense
  int64_t steps = 600;            ///< training steps per initializer
  int64_t batch_size = 64;
  int evaluations = 12;           ///< points on the loss curves (evenly spaced, step 0 included)
  int64_t eval_samples = 2000;    ///< held-out samples for each evaluation
  int histogram_bins = 41;
  uint64_t seed = 1234;
  std::string report = "report.html";  ///< empty: no report
  bool progress = true;                ///< progress on stderr
};

/// One initializer's run.
struct InitLabRun {
  std::string initializer;   ///< as given ("random_normal(0.05)")
  std::string description;   ///< its formula on the first hidden kernel
  Snapshot at_init;          ///< per-layer statistics at initialization (forward and backward)
  std::vector<Verdict> verdicts;
  std::vector<std::string> notes;  ///< the advisor's warnings; LSUV's per-layer report
  std::vector<int64_t> eval_steps;
  std::vector<double> eval_loss, eval_accuracy;  ///< on the held-out samples, at eval_steps
  double test_loss = 0, test_accuracy = 0;       ///< after training, on the whole test set
  bool diverged = false;     ///< training stopped on a non-finite value
  std::string error;         ///< why, when it diverged
  double seconds = 0;
};

struct InitLabResult {
  InitLabOptions options;
  std::string dataset;       ///< what was loaded, in words
  std::string architecture;  ///< "784 → 20 × Dense(64, relu) → Dense(10, softmax)"
  std::vector<InitLabRun> runs;
  /// Indices into runs, best first (test accuracy, then final loss; diverged last).
  std::vector<size_t> ranking;
};

/// Runs the lab, printing per-initializer tables and the ranking to `out`.
InitLabResult run_init_lab(const InitLabOptions& options, std::ostream& out);

/// Writes the self-contained HTML report (inline SVG, data embedded as JSON), atomically.
void write_init_lab_report(const InitLabResult& result, const std::string& path);
/// The report's HTML text.
std::string init_lab_report_html(const InitLabResult& result);

}  // namespace initlab
