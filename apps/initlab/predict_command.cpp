// initlab predict — a saved model's outputs for the samples of a .npy file.
#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "cli_numbers.hpp"
#include "commands.hpp"
#include "input_path.hpp"
#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/core/suggest.hpp"
#include "initlab/io/model_file.hpp"
#include "initlab/io/npy.hpp"

namespace initlab::app {

namespace {

// The samples: any numeric dtype NumPy writes (np.save of a float64 array included), as float32.
Tensor read_samples(const std::string& path, const Sequential& model) {
  const StoredTensor stored = decode_npy_stored(read_file(path), "x", path);
  if (stored.shape.rank() < 1) throw ValueError(fmt::format("{}: expected samples (N, ...), found a scalar", path));
  Tensor x = stored.to_float32();
  for (int64_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) throw ValueError(fmt::format("{}: value {} is not finite", path, i));
  }
  if (const auto& in = model.input_shape()) {
    const std::vector<int64_t> sample(x.shape().dims().begin() + 1, x.shape().dims().end());
    if (Shape(sample) != *in) {
      throw ValueError(fmt::format("{}: samples of shape {} (the array is {}), the model '{}' takes {}", path,
                                   Shape(sample).str(), x.shape().str(), model.name(), in->str()));
    }
  }
  return x;
}

}  // namespace

Command add_predict_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "predict",
      "Run a saved model on the samples of a .npy file and write its outputs as float32 .npy.\n"
      "MODEL is a .keras archive, a legacy .h5 model or a Keras model JSON; --weights gives the weights for a\n"
      "JSON (a .weights.h5, .h5, .safetensors, .npz or an initlab checkpoint) or replaces a model file's own.");
  auto model_path = std::make_shared<std::string>();
  auto weights = std::make_shared<std::string>();
  auto input = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  auto batch = std::make_shared<int64_t>(32);
  auto partial = std::make_shared<bool>(false);
  auto by_name = std::make_shared<bool>(false);
  auto renames = std::make_shared<std::vector<std::string>>();
  cmd->add_option("model", *model_path, "The model: .keras, .h5 or a Keras model JSON")->required()->check(regular_file());
  cmd->add_option("--weights", *weights, "A weight file to load into the model")->check(regular_file());
  cmd->add_option("--input", *input, "The samples: a .npy array (N, ...) of any numeric dtype")
      ->required()
      ->check(regular_file());
  cmd->add_option("--output", *output, "Where the outputs go (.npy, float32, written atomically)")->required();
  cmd->add_option("--batch-size", *batch, "Samples per forward pass")->capture_default_str()->transform(positive_size(1 << 20));
  cmd->add_flag("--partial", *partial, "Load what matches from --weights and report what was skipped");
  cmd->add_flag("--by-name", *by_name,
                "Match --weights' layers to the model's by name (a tf-keras .h5 is matched by position otherwise)");
  cmd->add_option("--rename", *renames, "FILE_LAYER=MODEL_LAYER: a layer renamed since the file was saved (repeatable)");
  return {cmd, [=]() {
            check_writable(*output);
            if (format_from_name(*model_path) == FileFormat::kModelJson && weights->empty()) {
              throw ValueError(fmt::format("{}: a model JSON holds the architecture only; give its weights with --weights "
                                           "(predicting with freshly initialized weights is never what is meant)",
                                           *model_path));
            }
            KerasModel k = load_model(*model_path);
            for (const auto& w : k.warnings) std::cerr << fmt::format("warning: {}: {}\n", *model_path, w);
            Sequential& model = k.model;
            const Tensor x = read_samples(*input, model);
            if (!model.built()) {
              const std::vector<int64_t> sample(x.shape().dims().begin() + 1, x.shape().dims().end());
              model.build(Shape(sample));
            }
            if (!weights->empty()) {
              RestoreOptions ro{.strict = !*partial, .by_name = *by_name};
              for (const std::string& r : *renames) {
                const size_t eq = r.find('=');
                if (eq == std::string::npos || eq == 0 || eq + 1 == r.size()) {
                  throw ValueError(fmt::format("--rename: expected FILE_LAYER=MODEL_LAYER, found \"{}\"", text_excerpt(r)));
                }
                ro.rename[r.substr(0, eq)] = r.substr(eq + 1);
              }
              const RestoreReport r = load_weights(model, *weights, ro);
              if (!r.skipped.empty()) std::cerr << r.str();
            }
            const Tensor y = model.predict(x, *batch);
            save_npy(*output, y);
            std::cout << fmt::format("{}: {} outputs of shape {} from model '{}'\n", *output, y.dim(0),
                                     Shape(std::vector<int64_t>(y.shape().dims().begin() + 1, y.shape().dims().end())).str(),
                                     model.name());
            return 0;
          }};
}

}  // namespace initlab::app
