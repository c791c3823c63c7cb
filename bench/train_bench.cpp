// Training speed of a small CNN and of a deep MLP, initlab's side of
// bench/run-train-bench.
//
// Models (as in bench/torch_train_bench.py):
//   cnn       Input(28, 28, 1) → Conv2D(32, 3×3, relu, he_uniform, valid) →
//             MaxPooling2D(2) → Flatten → Dense(10, softmax, he_uniform);
//             batch sizes 32 and 128.
//   deep_mlp  Input(784) → 30 × Dense(64, relu, he_normal) → Dense(10, softmax,
//             he_normal); batch size 64.
// Both: SGD(0.01), categorical_crossentropy (one-hot targets; fit fuses the
// softmax into the loss and works on the logits, as Keras does).
// Data: --samples samples (default 20000 for the CNN, whose epochs are slow,
//   and 60000 for the MLP), x ~ U[0,1) (initlab's Philox
//   stream, seed 1234), of shape (n, 28, 28, 1) for the CNN and (n, 784) for
//   the MLP; the label of a sample is the index of the largest of its first 10
//   values, one-hot. Generated once per model, before any timing.
// Each (model, batch size, thread count) case builds a fresh model
// (set_seed(1234)) and calls fit once with warm-up + timed epochs (shuffle on,
// verbose silent). A callback takes the time at on_train_begin and at every
// on_epoch_end, so an epoch's time is fit's own epoch loop: shuffle, batch
// gathers, forward, loss, backward, optimizer steps. The best timed epoch
// counts: samples/s = samples / best epoch time.
//
// Output: JSON Lines on stdout, written as it goes; the first line describes
// the run (OpenBLAS core, OPENBLAS_CORETYPE, CPUs), then one line per case:
//   {"model", "samples", "batch_size", "threads", "epoch_seconds": [...], "best_seconds",
//    "samples_per_second", "loss_first_epoch", "loss_last_epoch"}
// Progress goes to stderr.
//
// A case stops early, after its warm-up and at least one timed epoch, once it
// has run for --budget seconds (default 15).
//
//   initlab_bench_train [--models cnn,deep_mlp] [--batch-sizes 32,128] [--threads 1,2,default]
//                       [--epochs 3] [--warmup 1] [--samples N] [--budget 15]
// Without --batch-sizes: 32,128 for cnn and 64 for deep_mlp. A thread count n
// runs exactly n threads (set_num_threads(n), dynamic threads off);
// "default" sets nothing: initlab's own choice (num_threads() and dynamic
// threads as the environment leaves them), written as "threads": "default".
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "initlab/core/available_cpus.hpp"
#include "initlab/core/parallel.hpp"
#include "initlab/core/random_stream.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/core/tensor.hpp"
#include "initlab/nn/callback.hpp"
#include "initlab/nn/conv2d.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/optimizer.hpp"
#include "initlab/nn/pooling.hpp"
#include "initlab/nn/sequential.hpp"

extern "C" char* openblas_get_corename(void);

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kSide = 28;  // images 28×28×1; the MLP sees the same 784 values flat
constexpr int64_t kFeatures = kSide * kSide;
constexpr int64_t kClasses = 10;
constexpr int kDeepLayers = 30;
constexpr int64_t kDeepWidth = 64;
constexpr uint64_t kSeed = 1234;
constexpr double kLearningRate = 0.01;

const std::map<std::string, std::vector<int64_t>> kDefaultBatches{{"cnn", {32, 128}}, {"deep_mlp", {64}}};
// An epoch of the CNN is slow: 20000 samples keep a case within its budget.
const std::map<std::string, int64_t> kDefaultSamples{{"cnn", 20000}, {"deep_mlp", 60000}};

struct Options {
  std::vector<std::string> models{"cnn", "deep_mlp"};
  std::vector<int64_t> batch_sizes;  // empty: the model's defaults
  std::vector<int64_t> threads{1, 2};  // 0: "default"
  int epochs = 3;  // timed
  int warmup = 1;
  int64_t samples = 0;  // 0: the model's default
  double budget_s = 15;
};

[[noreturn]] void usage(const char* prog, const std::string& problem) {
  if (!problem.empty()) std::fprintf(stderr, "%s: %s\n", prog, problem.c_str());
  std::fprintf(stderr,
               "usage: %s [--models cnn,deep_mlp] [--batch-sizes 32,128] [--threads 1,2,default] [--epochs 3] [--warmup 1] "
               "[--samples N] [--budget 15]\n",
               prog);
  std::exit(2);
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    out.push_back(text.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

std::vector<int64_t> parse_list(const char* prog, const char* flag, const std::string& text) {
  std::vector<int64_t> out;
  for (const std::string& item : split(text)) {
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || end == nullptr || *end != '\0' || v < 1) {
      usage(prog, std::string(flag) + ": expected positive whole numbers separated by commas, got '" + text + "'");
    }
    out.push_back(v);
  }
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") usage(argv[0], "");
    if (i + 1 >= argc) usage(argv[0], a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--models") {
      o.models = split(v);
      for (const auto& m : o.models) {
        if (!kDefaultBatches.contains(m)) usage(argv[0], "--models: unknown model '" + m + "' (cnn or deep_mlp)");
      }
    } else if (a == "--batch-sizes") {
      o.batch_sizes = parse_list(argv[0], "--batch-sizes", v);
    } else if (a == "--threads") {
      o.threads.clear();
      for (const std::string& item : split(v)) {
        o.threads.push_back(item == "default" ? 0 : parse_list(argv[0], "--threads", item).at(0));
      }
    } else if (a == "--epochs") {
      o.epochs = static_cast<int>(parse_list(argv[0], "--epochs", v).at(0));
    } else if (a == "--warmup") {
      o.warmup = std::atoi(v.c_str());
      if (o.warmup < 0) usage(argv[0], "--warmup must be >= 0");
    } else if (a == "--samples") {
      o.samples = parse_list(argv[0], "--samples", v).at(0);
    } else if (a == "--budget") {
      char* end = nullptr;
      o.budget_s = std::strtod(v.c_str(), &end);
      if (end == nullptr || *end != '\0' || !(o.budget_s > 0)) usage(argv[0], "--budget: expected seconds > 0");
    } else {
      usage(argv[0], "unknown option " + a);
    }
  }
  return o;
}

// x (n, 28, 28, 1) or (n, 784) ~ U[0,1); y one-hot of the argmax of a sample's first 10 values.
void make_data(const std::string& model, int64_t n, initlab::Tensor& x, initlab::Tensor& y) {
  x = model == "cnn" ? initlab::Tensor(initlab::Shape{n, kSide, kSide, 1}) : initlab::Tensor(initlab::Shape{n, kFeatures});
  y = initlab::Tensor(initlab::Shape{n, kClasses});
  initlab::RandomStream::named(kSeed, "bench/train/x").fill_uniform(x.values());
  for (int64_t r = 0; r < n; ++r) {
    const float* xr = x.data() + r * kFeatures;
    y.data()[r * kClasses + (std::max_element(xr, xr + kClasses) - xr)] = 1.0f;
  }
}

void build(const std::string& name, initlab::Sequential& model) {
  using namespace initlab;
  if (name == "cnn") {
    model.add(Input(Shape{kSide, kSide, 1}));
    model.add(Conv2D(32, {3, 3}, {.activation = "relu", .kernel_initializer = "he_uniform"}));
    model.add(MaxPooling2D({2, 2}));
    model.add(Flatten());
    model.add(Dense(kClasses, {.activation = "softmax", .kernel_initializer = "he_uniform"}));
  } else {
    model.add(Input(Shape{kFeatures}));
    for (int i = 0; i < kDeepLayers; ++i) {
      model.add(Dense(kDeepWidth, {.activation = "relu", .kernel_initializer = "he_normal"}));
    }
    model.add(Dense(kClasses, {.activation = "softmax", .kernel_initializer = "he_normal"}));
  }
  model.compile(SGD({.learning_rate = kLearningRate}), "categorical_crossentropy");
}

// Times of on_train_begin and of every on_epoch_end; stops training once the
// budget is spent and at least `min_epochs` epochs are done.
class EpochTimer : public initlab::Callback {
 public:
  EpochTimer(double budget_s, int min_epochs) : budget_s_(budget_s), min_epochs_(min_epochs) {}
  void on_train_begin(initlab::Sequential&) override { marks.push_back(Clock::now()); }
  bool on_epoch_end(initlab::Sequential&, int epoch, const initlab::Logs&) override {
    marks.push_back(Clock::now());
    const double spent = std::chrono::duration<double>(marks.back() - marks.front()).count();
    return epoch + 1 >= min_epochs_ && spent > budget_s_;
  }
  std::vector<Clock::time_point> marks;

 private:
  double budget_s_;
  int min_epochs_;
};

std::string json_string(const char* s) {
  std::string out = "\"";
  for (const char* p = s; *p != '\0'; ++p) {
    if (*p == '"' || *p == '\\') out += '\\';
    if (static_cast<unsigned char>(*p) >= 0x20) out += *p;
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const bool dynamic_default = initlab::dynamic_threads();
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  const char* initlab_threads = std::getenv("INITLAB_NUM_THREADS");
  std::printf(
      "{\"openblas_corename\": %s, \"OPENBLAS_CORETYPE\": %s, \"INITLAB_NUM_THREADS\": %s, "
      "\"hardware_concurrency\": %u, \"available_cpus\": %d, \"default_threads\": %d, \"dynamic_threads\": %s, "
      "\"warmup_epochs\": %d, \"timed_epochs\": %d}\n",
      json_string(openblas_get_corename()).c_str(), coretype ? json_string(coretype).c_str() : "null",
      initlab_threads ? json_string(initlab_threads).c_str() : "null", std::thread::hardware_concurrency(),
      initlab::available_cpus(), initlab::num_threads(), dynamic_default ? "true" : "false", o.warmup, o.epochs);
  std::fflush(stdout);

  for (const std::string& name : o.models) {
    const int64_t samples = o.samples > 0 ? o.samples : kDefaultSamples.at(name);
    initlab::Tensor x, y;
    make_data(name, samples, x, y);
    for (const int64_t batch : o.batch_sizes.empty() ? kDefaultBatches.at(name) : o.batch_sizes) {
      for (const int64_t threads : o.threads) {
        const std::string setting = threads > 0 ? std::to_string(threads) : "default";
        std::fprintf(stderr, "initlab: %s, batch %lld, %s thread(s) ...\n", name.c_str(),
                     static_cast<long long>(batch), setting.c_str());
        if (threads > 0) {
          initlab::set_num_threads(static_cast<int>(threads));
          initlab::set_dynamic_threads(false);
        } else {
          initlab::reset_num_threads();
          initlab::set_dynamic_threads(dynamic_default);
        }
        initlab::set_seed(kSeed);
        initlab::Sequential model;
        build(name, model);
        auto timer = std::make_shared<EpochTimer>(o.budget_s, o.warmup + 1);
        const initlab::History h = model.fit(x, y,
                                             {.batch_size = batch,
                                              .epochs = o.warmup + o.epochs,
                                              .verbose = initlab::Verbosity::kSilent,
                                              .callbacks = {timer}});
        std::vector<double> secs;
        for (size_t i = 1; i < timer->marks.size(); ++i) {
          secs.push_back(std::chrono::duration<double>(timer->marks[i] - timer->marks[i - 1]).count());
        }
        double best = std::numeric_limits<double>::infinity();
        for (size_t i = static_cast<size_t>(o.warmup); i < secs.size(); ++i) best = std::min(best, secs[i]);
        const auto& losses = h.history.at("loss");
        const initlab::ParallelStats ps = initlab::parallel_stats();
        std::string list;
        for (size_t i = 0; i < secs.size(); ++i) list += (i ? ", " : "") + std::to_string(secs[i]);
        std::printf(
            "{\"model\": \"%s\", \"samples\": %lld, \"batch_size\": %lld, \"threads\": %s, \"epoch_seconds\": [%s], "
            "\"warmup_epochs\": %d, \"best_seconds\": %.6f, \"samples_per_second\": %.1f, "
            "\"loss_first_epoch\": %.6f, \"loss_last_epoch\": %.6f, \"parallel_loops\": %lld, \"team_loops\": %lld, "
            "\"stalls\": %lld, \"alone_for_load\": %lld, \"alone_for_backoff\": %lld}\n",
            name.c_str(), static_cast<long long>(samples), static_cast<long long>(batch),
            threads > 0 ? setting.c_str() : "\"default\"", list.c_str(), o.warmup,
            best, static_cast<double>(samples) / best, losses.front(), losses.back(), static_cast<long long>(ps.loops),
            static_cast<long long>(ps.team_loops), static_cast<long long>(ps.stalls),
            static_cast<long long>(ps.alone_for_load), static_cast<long long>(ps.alone_for_backoff));
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
