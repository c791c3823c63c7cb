#include "initlab/lab/train_job.hpp"

#include <fmt/format.h>

#include <climits>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/rows.hpp"
#include "initlab/core/safe_path.hpp"
#include "initlab/core/seed.hpp"
#include "initlab/core/suggest.hpp"
#include "initlab/data/csv.hpp"
#include "initlab/data/fashion_mnist.hpp"
#include "initlab/data/playground.hpp"
#include "initlab/io/json_value.hpp"
#include "initlab/io/checkpoint.hpp"
#include "initlab/io/keras_model.hpp"
#include "initlab/io/model_checkpoint.hpp"
#include "initlab/io/model_file.hpp"
#include "initlab/nn/normalization.hpp"

namespace initlab {
namespace {

// A data set as loaded: inputs and raw labels (class indices) or regression targets.
struct TrainData {
  std::string description;
  Tensor x_train, y_train, x_test, y_test;  // y: (n,) class indices, or (n, k) targets
  int64_t classes = 0;                      // 0: regression
};

TrainData fashion_data() {
  const FashionMnist f = load_fashion_mnist();
  return {"Fashion-MNIST (" + fashion_mnist_directory() + ")", f.train.images, f.train.labels, f.test.images,
          f.test.labels, 10};
}

// Playground labels ±1 become classes 0 (−1) and 1 (+1).
Tensor playground_classes(const Tensor& y) {
  Tensor c(Shape{y.dim(0)});
  for (int64_t i = 0; i < y.dim(0); ++i) c[i] = y[i] > 0 ? 1.0f : 0.0f;
  return c;
}

TrainData playground_data(const std::string& name, const PlaygroundOptions& o) {
  const PlaygroundData p = playground_dataset(name, o);
  const double noise = o.noise;
  const std::string what = fmt::format("TensorFlow Playground '{}' (noise {:g}, {} points)", name, noise,
                                       p.train.x.dim(0) + p.test.x.dim(0));
  if (!p.classification) return {what, p.train.x, p.train.y, p.test.x, p.test.y, 0};
  return {what, p.train.x, playground_classes(p.train.y), p.test.x, playground_classes(p.test.y), 2};
}

// Class indices when every label is a small non-negative integer, else 0 (regression).
int64_t classes_of(const Tensor& y) {
  int64_t top = -1;
  for (float v : y.values()) {
    if (v < 0 || v != static_cast<float>(static_cast<int64_t>(v)) || v > 1e5) return 0;
    top = std::max(top, static_cast<int64_t>(v));
  }
  return top + 1;
}

TrainData csv_data(const JsonValue& spec) {
  const std::string label = spec.at("label").text();
  const CsvTable train = load_csv(spec.at("train").text(), label);
  const CsvTable test = load_csv(spec.at("test").text(), label, train.feature_names);  // same columns, any order
  if (test.x.dim(1) != train.x.dim(1)) {
    spec.at("test").fail(fmt::format("the test table has {} feature columns, the training table {}", test.x.dim(1),
                                     train.x.dim(1)));
  }
  const Tensor y_train = train.y.reshape(Shape{train.y.dim(0)}), y_test = test.y.reshape(Shape{test.y.dim(0)});
  const int64_t classes = std::max(classes_of(y_train), classes_of(y_test));
  return {fmt::format("CSV {} ({} rows) / {} ({} rows), label '{}'", spec.at("train").text(), train.x.dim(0),
                      spec.at("test").text(), test.x.dim(0), label),
          train.x, classes ? y_train : train.y, test.x, classes ? y_test : test.y, classes};
}

TrainData load_data(const JsonValue& spec) {
  std::string name;
  std::optional<JsonValue> obj;
  if (spec.is_string()) {
    name = spec.text();
  } else {
    spec.expect_object();
    name = spec.at("name").text();
    obj = spec;
  }
  if (name == "fashion_mnist" || name == "fashion-mnist") {
    if (obj) obj->check_keys({"name"}, "the fashion_mnist data set");
    return fashion_data();
  }
  if (name == "csv") {
    if (!obj) spec.fail("a CSV data set needs {\"name\": \"csv\", \"train\": PATH, \"test\": PATH, \"label\": COLUMN}");
    obj->check_keys({"name", "train", "test", "label"}, "a CSV data set");
    return csv_data(*obj);
  }
  const auto names = playground_dataset_names();
  if (std::find(names.begin(), names.end(), name) != names.end()) {
    PlaygroundOptions o;
    if (obj) {
      obj->check_keys({"name", "noise", "samples", "train_fraction", "seed"}, "a Playground data set");
      o.noise = obj->number("noise", 0.0);
      if (auto n = obj->find("samples")) o.samples = n->integer_in(1, INT64_MAX);
      o.train_fraction = obj->number("train_fraction", 0.5);
      if (auto seed = obj->find("seed")) o.seed = seed->unsigned_integer();
    }
    try {
      return playground_data(name, o);
    } catch (const ConfigError&) {
      throw;
    } catch (const Error& e) {
      spec.fail(e.what());
    }
  }
  std::vector<std::string> all = {"fashion_mnist", "csv"};
  all.insert(all.end(), names.begin(), names.end());
  (obj ? obj->at("name") : spec)
      .fail(fmt::format("unknown data set \"{}\"{} (expected fashion_mnist, {}, or {{\"name\": \"csv\", ...}})",
                        text_excerpt(name), did_you_mean(name, all), fmt::join(names, ", ")));
}

// x reshaped to the model's input shape when the sizes agree (Fashion-MNIST's
// 28×28×1 images for a model that takes 784 features).
Tensor fit_to_input(const Tensor& x, const Sequential& model, const std::string& where) {
  if (x.rank() < 1 || x.dim(0) == 0) {
    throw ValueError(fmt::format("{}: the data set holds no samples (shape {}); training needs at least one", where,
                                 x.shape().str()));
  }
  if (!model.input_shape()) return x;
  const Shape& in = *model.input_shape();
  const int64_t per_sample = x.size() / x.dim(0);
  if (per_sample != in.numel()) {
    throw ShapeError(fmt::format("{}: the data's samples have shape {} ({} values), but model '{}' takes inputs of "
                                 "shape {} ({} values)",
                                 where, Shape(std::vector<int64_t>(x.shape().dims().begin() + 1, x.shape().dims().end())).str(),
                                 per_sample, model.name(), in.str(), in.numel()));
  }
  std::vector<int64_t> d = {x.dim(0)};
  for (auto v : in.dims()) d.push_back(v);
  return x.reshape(Shape(d));
}

// Targets in the form the loss takes, for a model with `outputs` output units.
Tensor targets_for(const Tensor& y, const TrainData& data, const Loss& loss, int64_t outputs) {
  if (data.classes == 0) return y.rank() == 1 ? y.reshape(Shape{y.dim(0), 1}) : y;
  switch (loss.kind()) {
    case Loss::Kind::kSparseCategoricalCrossentropy: return y;
    case Loss::Kind::kCategoricalCrossentropy: return one_hot(y, data.classes);
    case Loss::Kind::kBinaryCrossentropy: return y.reshape(Shape{y.dim(0), 1});
    case Loss::Kind::kMeanSquaredError:
      if (outputs == 1) {  // one unit: ±1 targets, as Playground's tanh outputs
        Tensor t(Shape{y.dim(0), 1});
        for (int64_t i = 0; i < y.dim(0); ++i) t[i] = y[i] > 0 ? 1.0f : -1.0f;
        return t;
      }
      return one_hot(y, data.classes);
  }
  return y;
}

nlohmann::json to_json(const Logs& logs) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : logs) j[k] = v;
  return j;
}

}  // namespace

TrainJobResult run_train_job(const std::string& path, const TrainJobOptions& options, std::ostream& out) {
  const nlohmann::json document = read_json_file(path);
  const JsonValue root(document, path);
  root.expect_object();
  const bool wrapped = root.has("model");
  if (wrapped) root.check_keys({"model", "training"}, "a training job");
  const JsonValue model_doc = wrapped ? root.at("model") : root;
  const nlohmann::json empty = nlohmann::json::object();
  const JsonValue training = root.find("training") ? root.at("training").expect_object() : JsonValue(empty, path, "training");
  training.check_keys({"dataset", "epochs", "batch_size", "validation_split", "validation", "shuffle", "seed", "optimizer",
                       "loss", "metrics"},
                      "the training section");

  // The seed first: the model's variables are created from it.
  TrainJobResult result;
  result.seed = options.seed ? *options.seed
                : training.has("seed") ? training.at("seed").unsigned_integer()
                                       : current_seed();
  set_seed(result.seed);

  KerasModel km = wrapped ? keras_model_from_json(model_doc) : keras_model_from_json(model_doc, {"training"});
  Sequential& model = km.model;
  CompileSettings compile;
  if (km.compile) compile = *km.compile;
  if (auto v = training.find("optimizer")) compile.optimizer = keras_optimizer(*v);
  if (auto v = training.find("loss")) {
    compile.loss = keras_loss(*v);
  } else if (!km.compile) {
    training.fail("missing field: loss (the file has no compile_config; give \"loss\" here)");
  }
  if (auto v = training.find("metrics")) compile.metrics = keras_metrics(*v);
  if (!compile.optimizer) compile.optimizer = make_optimizer("rmsprop");  // Keras's compile() default

  // Fields read at their own type's range: nothing wraps (4294967297 epochs is an error, not 1).
  const int epochs = options.epochs ? *options.epochs : static_cast<int>(training.integer_in("epochs", 1, 0, INT_MAX));
  const int64_t batch = options.batch_size ? *options.batch_size : training.integer_in("batch_size", 32, 1, INT64_MAX);
  if (epochs < 0) throw ValueError(fmt::format("expected a number of epochs >= 0, found {}", epochs));
  if (batch < 1) throw ValueError(fmt::format("expected a batch size >= 1, found {}", batch));
  const std::string validation = training.text("validation", "split");
  if (validation != "split" && validation != "test") {
    training.at("validation").fail(fmt::format("expected \"split\" or \"test\", found \"{}\"", text_excerpt(validation)));
  }
  const double split = validation == "test" ? 0.0 : training.number("validation_split", 0.1);
  if (!(split >= 0 && split < 1)) training.at("validation_split").fail(fmt::format("expected a fraction in [0, 1), found {}", split));

  // Refused before any work: an output path that cannot be written, --resume without a directory.
  if (!options.save_path.empty()) {
    (void)format_from_name(options.save_path);
    check_writable(options.save_path);
  }
  if (options.resume && options.checkpoint_dir.empty()) {
    throw ValueError("--resume continues from a checkpoint directory: give it with --checkpoint DIR");
  }
  const nlohmann::json dataset_name = options.dataset.value_or("fashion_mnist");
  TrainData data = load_data(options.dataset      ? JsonValue(dataset_name, "--dataset")
                             : training.has("dataset") ? training.at("dataset")
                                                       : JsonValue(dataset_name, path, "training.dataset"));
  if (options.max_samples > 0 && options.max_samples < data.x_train.dim(0)) {
    data.x_train = slice_rows(data.x_train, 0, options.max_samples);
    data.y_train = slice_rows(data.y_train, 0, options.max_samples);
  }
  const std::string where = fmt::format("{}: training.dataset", path);
  Tensor x_train = fit_to_input(data.x_train, model, where), x_test = fit_to_input(data.x_test, model, where);
  if (!model.input_shape()) {
    std::vector<int64_t> d(x_train.shape().dims().begin() + 1, x_train.shape().dims().end());
    model.build(Shape(d));
  }
  if (auto* norm = dynamic_cast<Normalization*>(model.layers().front().get())) norm->adapt(x_train);
  model.compile(compile.optimizer, compile.loss, compile.metrics);
  const int64_t outputs = model.output_shape().numel();
  const Tensor y_train = targets_for(data.y_train, data, compile.loss, outputs);
  const Tensor y_test = targets_for(data.y_test, data, compile.loss, outputs);

  out << fmt::format("model '{}' from {} ({})\n", model.name(), path, km.dialect);
  out << model.summary();
  out << fmt::format("data: {}: {} training samples{}, {} test\n", data.description, x_train.dim(0),
                     split > 0 ? fmt::format(" (the last {:g}% for validation)", 100 * split) : "", x_test.dim(0));
  out << fmt::format("optimizer {} (learning rate {:g}), loss {}, metrics [{}]; {} epochs, batch size {}, seed {}\n",
                     compile.optimizer->name(), compile.optimizer->learning_rate(), compile.loss.name(),
                     fmt::join(compile.metrics, ", "), epochs, batch, result.seed);

  const std::string dir =
      options.out_dir.empty() ? "runs/" + file_name_from(model.name(), "model name") : options.out_dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError(fmt::format("cannot create the output directory '{}': {}", dir, ec.message()));
  result.history_csv = dir + "/history.csv";
  result.history_json = dir + "/history.json";

  FitOptions fo{.batch_size = batch, .epochs = epochs, .verbose = options.verbose, .validation_split = split,
                .shuffle = training.boolean("shuffle", true)};
  if (validation == "test") fo.validation_data = std::make_pair(x_test, y_test);
  fo.callbacks.push_back(std::make_shared<CSVLogger>(result.history_csv));
  if (!options.checkpoint_dir.empty()) {
    std::filesystem::create_directories(options.checkpoint_dir, ec);
    if (ec) {
      throw IoError(fmt::format("cannot create the checkpoint directory '{}': {}", options.checkpoint_dir, ec.message()));
    }
    const bool by_batch = options.checkpoint_every > 0;
    fo.callbacks.push_back(std::make_shared<ModelCheckpoint>(ModelCheckpointOptions{
        .filepath = options.checkpoint_dir + (by_batch ? "/epoch{epoch:04d}-batch{batch:06d}.safetensors"
                                                       : "/epoch{epoch:04d}.safetensors"),
        .save_freq = by_batch ? std::to_string(options.checkpoint_every) : std::string("epoch")}));
    if (options.resume) {
      if (const auto newest = newest_checkpoint(options.checkpoint_dir)) {
        LoadedCheckpoint c = load_checkpoint(model, *newest);
        fo.resume = c.progress;
        out << fmt::format("resuming from {} (step {})\n", c.path, model.optimizer()->iterations());
      } else {
        out << fmt::format("no checkpoint in {}: starting from the beginning\n", options.checkpoint_dir);
      }
    }
  }
  result.history = model.fit(x_train, y_train, fo);
  result.test = model.evaluate(x_test, y_test, std::max<int64_t>(batch, 256));

  std::string line = fmt::format("test: loss {:.4f}", result.test.at("loss"));
  for (const auto& [k, v] : result.test) {
    if (k != "loss") line += fmt::format(", {} {:.2f}%", k, 100 * v);
  }
  out << line << "\n";

  nlohmann::json h = {{"model", model.name()},       {"config", path},
                      {"dialect", km.dialect},       {"seed", result.seed},
                      {"dataset", data.description}, {"epochs", epochs},
                      {"batch_size", batch},         {"optimizer", compile.optimizer->name()},
                      {"learning_rate", compile.optimizer->learning_rate()},
                      {"loss", compile.loss.name()}, {"test", to_json(result.test)}};
  nlohmann::json hist = nlohmann::json::object();
  for (const auto& [k, v] : result.history.history) hist[k] = v;
  h["history"] = hist;
  h["epoch"] = result.history.epoch;
  if (result.history.epoch.empty()) write_file_atomically(result.history_csv, "epoch\n");
  write_file_atomically(result.history_json, h.dump(2) + "\n");
  out << fmt::format("history: {} and {}\n", result.history_csv, result.history_json);
  if (!options.save_path.empty()) {
    const FileFormat f = format_from_name(options.save_path);
    if (f == FileFormat::kKerasArchive || f == FileFormat::kModelJson || f == FileFormat::kLegacyH5) {
      save_model(model, options.save_path);
    } else {
      save_weights(model, options.save_path);
    }
    out << fmt::format("saved: {} ({})\n", options.save_path, format_name(f));
  }
  return result;
}

}  // namespace initlab
