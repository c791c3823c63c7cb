#include "initlab/lab/restore_demo.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <random>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/io/checkpoint.hpp"
#include "initlab/io/model_file.hpp"
#include "initlab/lab/weight_file.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kSamples = 300;
constexpr int64_t kFeatures = 4;
constexpr int64_t kClasses = 3;

struct Data {
  Tensor x{Shape{kSamples, kFeatures}};
  Tensor y{Shape{kSamples, kClasses}};
};

// Three Gaussian blobs in 4-D, one per class.
Data blobs(uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<float> noise(0.0f, 0.7f);
  const float centers[kClasses][kFeatures] = {{1.5f, 0, 0, -1}, {-1.5f, 1, 0, 0}, {0, -1.5f, 1.5f, 1}};
  Data d;
  for (int64_t i = 0; i < kSamples; ++i) {
    const int64_t c = i % kClasses;
    for (int64_t j = 0; j < kFeatures; ++j) d.x.at({i, j}) = centers[c][j] + noise(gen);
    d.y.at({i, c}) = 1;
  }
  return d;
}

Sequential make_model(bool edited) {
  Sequential m("classifier");
  m.add(Input(Shape{kFeatures}));
  m.add(Dense(32, {.activation = "relu", .name = "hidden"}));
  if (edited) {
    m.add(Dense(16, {.activation = "relu", .name = "feats"}));    // renamed from "features"
    m.add(Dense(4, {.activation = "softmax", .name = "output"}));  // "bottleneck" dropped, 4 classes
  } else {
    m.add(Dense(16, {.activation = "relu", .name = "features"}));
    m.add(Dense(16, {.activation = "relu", .name = "bottleneck"}));
    m.add(Dense(kClasses, {.activation = "softmax", .name = "output"}));
  }
  m.build(Shape{kFeatures});
  return m;
}

std::string weight_bytes(Sequential& m) {
  std::string s;
  for (const Variable* v : m.variables()) {
    s.append(reinterpret_cast<const char*>(v->value().data()), static_cast<size_t>(v->value().size()) * sizeof(float));
  }
  return s;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::equal(a.data(), a.data() + a.size(), b.data());
}

double accuracy(Sequential& m, const Data& d) {
  const Tensor p = m.predict(d.x);
  int64_t right = 0;
  for (int64_t i = 0; i < kSamples; ++i) {
    int64_t best = 0;
    for (int64_t c = 1; c < kClasses; ++c) best = p.at({i, c}) > p.at({i, best}) ? c : best;
    right += d.y.at({i, best}) == 1;
  }
  return static_cast<double>(right) / kSamples;
}

// Restores the file at `path`, naming it by `shown` in messages (so the printout does not name the folder).
RestoreReport restore(Sequential& m, const std::string& path, const std::string& shown, const RestoreOptions& o = {}) {
  return restore_weights(m, read_file_weights(m, path, read_file(path)), o, shown);
}

void indent(std::ostream& out, const std::string& text) {
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = text.find('\n', start);
    out << "     " << text.substr(start, end - start) << "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

ForensicsReport inspect(const std::string& path) { return analyze_weights(forensic_tensors(read_weight_file(path))); }

// A folder that exists for the demo; a temporary one is removed at the end.
struct Folder {
  fs::path path;
  bool temporary = false;
  explicit Folder(const std::string& dir) {
    if (dir.empty()) {
      path = fs::temp_directory_path() / fmt::format("initlab-restore-demo-{}", ::getpid());
      temporary = true;
    } else {
      path = dir;
    }
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec || !fs::is_directory(path)) throw IoError(fmt::format("{}: cannot make the folder: {}", path.string(), ec.message()));
  }
  ~Folder() {
    std::error_code ec;
    if (temporary) fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

}  // namespace

RestoreDemoResult run_restore_demo(std::ostream& out, const RestoreDemoOptions& o) {
  RestoreDemoResult r;
  const Folder folder(o.dir);
  const Data data = blobs(o.seed);

  out << "1. Train a classifier and save it\n";
  set_seed(o.seed);
  Sequential trained = make_model(false);
  trained.compile(Adam({.learning_rate = 0.05}), "categorical_crossentropy", {"accuracy"});
  trained.fit(data.x, data.y, {.batch_size = 32, .epochs = o.epochs, .verbose = Verbosity::kSilent});
  r.trained_accuracy = accuracy(trained, data);
  save_model(trained, folder.file("trained.keras"));
  save_weights(trained, folder.file("trained.safetensors"), {.include_optimizer = false});
  out << fmt::format("   {}: 4 → hidden 32 → features 16 → bottleneck 16 → output 3, seed {}, {} epochs of Adam\n",
                     trained.name(), o.seed, o.epochs);
  out << fmt::format("   accuracy on its {} samples: {:.1f}%\n", kSamples, 100 * r.trained_accuracy);
  out << "   saved trained.keras (configuration, weights, optimizer state) and trained.safetensors (weights)\n\n";

  out << "2. Restore it into a freshly built model\n";
  set_seed(o.seed + 1);
  Sequential fresh = make_model(false);
  fresh.compile(Adam({.learning_rate = 0.05}), "categorical_crossentropy", {"accuracy"});
  const Tensor expected = trained.predict(data.x);
  out << fmt::format("   before: the fresh model's predictions are {} the trained one's\n",
                     same_bits(fresh.predict(data.x), expected) ? "the same as" : "not");
  const RestoreReport loaded = restore(fresh, folder.file("trained.keras"), "trained.keras");
  indent(out, loaded.str());
  r.same_predictions = same_bits(fresh.predict(data.x), expected);
  out << fmt::format("   after: predictions on all {} samples {}\n\n", kSamples,
                     r.same_predictions ? "bit-identical to the trained model's" : "DIFFER from the trained model's");

  out << "3. A checkpoint from an edited architecture, loaded strictly (the default)\n";
  out << "   edited.safetensors: 'features' renamed 'feats', 'bottleneck' removed, 'output' with 4 classes\n";
  set_seed(o.seed + 2);
  Sequential edited = make_model(true);
  save_checkpoint(folder.file("edited.safetensors"), edited);
  set_seed(o.seed + 3);
  Sequential target = make_model(false);
  const std::string before = weight_bytes(target);
  try {
    restore(target, folder.file("edited.safetensors"), "edited.safetensors");
    r.strict_error = "(loaded without an error)";
  } catch (const RestoreError& e) {
    r.strict_error = e.what();
  }
  r.strict_left_model_unchanged = weight_bytes(target) == before;
  indent(out, r.strict_error);
  out << fmt::format("   the model's weights afterwards: {}\n\n",
                     r.strict_left_model_unchanged ? "unchanged, every bit" : "CHANGED");

  out << "4. The same checkpoint, loaded partially: what matches loads, the rest is reported\n";
  r.partial = restore(target, folder.file("edited.safetensors"), "edited.safetensors", {.strict = false});
  indent(out, r.partial.str());
  out << "   and with the renamed layer mapped (feats → features):\n";
  set_seed(o.seed + 3);
  Sequential target2 = make_model(false);
  r.renamed = restore(target2, folder.file("edited.safetensors"), "edited.safetensors",
                      {.strict = false, .rename = {{"feats", "features"}}});
  indent(out, r.renamed.str());
  out << "\n";

  out << "5. The classic mistake: the model is built again instead of restored\n";
  set_seed(o.seed);
  Sequential rebuilt = make_model(false);
  save_weights(rebuilt, folder.file("rebuilt.safetensors"));
  r.rebuilt_accuracy = accuracy(rebuilt, data);
  out << fmt::format("   rebuilt.safetensors: accuracy {:.1f}% (chance is {:.1f}%)\n", 100 * r.rebuilt_accuracy,
                     100.0 / kClasses);
  r.rebuilt = inspect(folder.file("rebuilt.safetensors"));
  r.trained = inspect(folder.file("trained.safetensors"));
  out << "   initlab inspect rebuilt.safetensors:\n";
  for (const auto& t : r.rebuilt.tensors) out << fmt::format("     {}: {}\n", t.name, t.verdict);
  out << fmt::format("     verdict: {}\n", r.rebuilt.verdict_line);
  out << fmt::format("   initlab inspect trained.safetensors:\n     verdict: {}\n", r.trained.verdict_line);
  r.diff = diff_tensors(diff_tensors_of(read_weight_file(folder.file("trained.safetensors"))),
                        diff_tensors_of(read_weight_file(folder.file("rebuilt.safetensors"))));
  out << "   initlab diff trained.safetensors rebuilt.safetensors:\n";
  for (const auto& e : r.diff.entries) out << "     " << e.str() << "\n";
  out << fmt::format("     {}\n", r.diff.summary());
  out << "   The weights are glorot_uniform's draw for the model's seed and variable names: nothing was loaded.\n";
  if (!folder.temporary) {
    out << fmt::format("\nThe files are in {}; try initlab inspect and initlab diff on them.\n", folder.path.string());
  }
  return r;
}

}  // namespace initlab
