// Training speed of a small MLP, initlab's side of bench/run-mlp-bench.
//
// Model (as in bench/torch_mlp_bench.py):
//   Input(784) → Dense(64, relu) → Dense(10, softmax), Adam(1e-3),
//   categorical_crossentropy (one-hot targets; fit fuses the softmax into the
//   loss and works on the logits, as Keras does).
// Data: 60000 samples, x ~ U[0,1) (initlab's Philox stream, seed 1234), the
//   label of a sample the index of the largest of its first 10 features, one-hot.
//   Generated once, before any timing.
// Each (batch size, thread count) case builds a fresh model (set_seed(1234)) and
// calls fit once with warm-up + timed epochs (shuffle on, verbose silent). A
// callback takes the time at on_train_begin and at every on_epoch_end, so an
// epoch's time is fit's own epoch loop: shuffle, batch gathers, forward,
// loss, backward, optimizer steps. fit's one-off input checks (a NaN scan over
// x and y) happen before on_train_begin and are not counted. The best timed
// epoch counts: samples/s = samples / best epoch time.
//
// Output: JSON Lines on stdout, written as it goes; the first line describes
// the run (OpenBLAS core, OPENBLAS_CORETYPE, CPUs), then one line per case:
//   {"batch_size", "threads", "epoch_seconds": [...], "best_seconds",
//    "samples_per_second", "loss_first_epoch", "loss_last_epoch"}
// Progress goes to stderr.
//
// A case stops early, after its warm-up and at least one timed epoch, once it
// has run for --budget seconds (default 15; a busy machine can make 2-thread
// epochs take many times longer); "epoch_seconds" then lists fewer epochs.
//
//   initlab_bench_mlp [--batch-sizes 32,128] [--threads 1,2] [--epochs 3]
//                     [--warmup 1] [--samples 60000] [--budget 15]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "initlab/core/parallel.hpp"
#include "initlab/core/random_stream.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/core/tensor.hpp"
#include "initlab/nn/callback.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/optimizer.hpp"
#include "initlab/nn/sequential.hpp"

extern "C" char* openblas_get_corename(void);

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kFeatures = 784;
constexpr int64_t kClasses = 10;
constexpr uint64_t kSeed = 1234;

struct Options {
  std::vector<int64_t> batch_sizes{32, 128};
  std::vector<int64_t> threads{1, 2};
  int epochs = 3;  // timed
  int warmup = 1;
  int64_t samples = 60000;
  double budget_s = 15;
};

[[noreturn]] void usage(const char* prog, const std::string& problem) {
  if (!problem.empty()) std::fprintf(stderr, "%s: %s\n", prog, problem.c_str());
  std::fprintf(stderr,
               "usage: %s [--batch-sizes 32,128] [--threads 1,2] [--epochs 3] [--warmup 1] [--samples 60000] "
               "[--budget 15]\n",
               prog);
  std::exit(2);
}

std::vector<int64_t> parse_list(const char* prog, const char* flag, const std::string& text) {
  std::vector<int64_t> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = std::min(text.find(',', pos), text.size());
    const std::string item = text.substr(pos, comma - pos);
    char* end = nullptr;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || end == nullptr || *end != '\0' || v < 1) {
      usage(prog, std::string(flag) + ": expected positive whole numbers separated by commas, got '" + text + "'");
    }
    out.push_back(v);
    pos = comma + 1;
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
    if (a == "--batch-sizes") {
      o.batch_sizes = parse_list(argv[0], "--batch-sizes", v);
    } else if (a == "--threads") {
      o.threads = parse_list(argv[0], "--threads", v);
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

// x (n, 784) ~ U[0,1); y one-hot of argmax(x[:, 0:10]).
void make_data(int64_t n, initlab::Tensor& x, initlab::Tensor& y) {
  x = initlab::Tensor(initlab::Shape{n, kFeatures});
  y = initlab::Tensor(initlab::Shape{n, kClasses});
  initlab::RandomStream::named(kSeed, "bench/mlp/x").fill_uniform(x.values());
  for (int64_t r = 0; r < n; ++r) {
    const float* xr = x.data() + r * kFeatures;
    y.data()[r * kClasses + (std::max_element(xr, xr + kClasses) - xr)] = 1.0f;
  }
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
  initlab::set_dynamic_threads(false);  // every case runs exactly the threads it names
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  const char* initlab_threads = std::getenv("INITLAB_NUM_THREADS");
  std::printf(
      "{\"openblas_corename\": %s, \"OPENBLAS_CORETYPE\": %s, \"INITLAB_NUM_THREADS\": %s, "
      "\"hardware_concurrency\": %u, \"samples\": %lld, \"features\": %lld, \"classes\": %lld, "
      "\"warmup_epochs\": %d, \"timed_epochs\": %d}\n",
      json_string(openblas_get_corename()).c_str(), coretype ? json_string(coretype).c_str() : "null",
      initlab_threads ? json_string(initlab_threads).c_str() : "null", std::thread::hardware_concurrency(),
      static_cast<long long>(o.samples), static_cast<long long>(kFeatures), static_cast<long long>(kClasses),
      o.warmup, o.epochs);
  std::fflush(stdout);

  initlab::Tensor x, y;
  make_data(o.samples, x, y);

  for (const int64_t batch : o.batch_sizes) {
    for (const int64_t threads : o.threads) {
      std::fprintf(stderr, "initlab: batch %lld, %lld thread(s) ...\n", static_cast<long long>(batch),
                   static_cast<long long>(threads));
      initlab::set_num_threads(static_cast<int>(threads));
      initlab::set_seed(kSeed);
      initlab::Sequential model;
      model.add(initlab::Input(initlab::Shape{kFeatures}));
      model.add(initlab::Dense(64, {.activation = "relu"}));
      model.add(initlab::Dense(kClasses, {.activation = "softmax"}));
      model.compile(initlab::Adam({.learning_rate = 1e-3}), "categorical_crossentropy");
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
      std::string list;
      for (size_t i = 0; i < secs.size(); ++i) list += (i ? ", " : "") + std::to_string(secs[i]);
      std::printf(
          "{\"batch_size\": %lld, \"threads\": %lld, \"epoch_seconds\": [%s], \"warmup_epochs\": %d, "
          "\"best_seconds\": %.6f, \"samples_per_second\": %.1f, \"loss_first_epoch\": %.6f, "
          "\"loss_last_epoch\": %.6f}\n",
          static_cast<long long>(batch), static_cast<long long>(threads), list.c_str(), o.warmup, best,
          static_cast<double>(o.samples) / best, losses.front(), losses.back());
      std::fflush(stdout);
    }
  }
  return 0;
}
