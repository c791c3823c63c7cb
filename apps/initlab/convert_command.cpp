// initlab convert — a model or its weights from one file format into another.
#include <fmt/format.h>

#include <iostream>

#include "commands.hpp"
#include "input_path.hpp"
#include "initlab/core/atomic_file.hpp"
#include "initlab/core/error.hpp"
#include "initlab/io/model_file.hpp"
#include "initlab/io/npz.hpp"
#include "initlab/io/safetensors.hpp"

namespace initlab::app {

namespace {

bool is_model_format(FileFormat f) {
  return f == FileFormat::kKerasArchive || f == FileFormat::kModelJson;
}
bool is_tensor_format(FileFormat f) { return f == FileFormat::kSafetensors || f == FileFormat::kNpz; }

}  // namespace

Command add_convert_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "convert",
      "Convert a model or its weights between formats, without changing a bit of any weight:\n"
      "  .keras and tf-keras .h5 (model) <-> .weights.h5, .safetensors, .npz (weights) <-> a Keras model JSON\n"
      "  (architecture). An .h5 output is a model file (model.save(\"m.h5\")), or with --weights-only the weights\n"
      "  alone (save_weights(\"w.h5\")). A weights-only input needs the architecture (--model);\n"
      "  .safetensors <-> .npz converts tensor by tensor.\n"
      "Examples:\n"
      "  initlab convert model.h5 model.keras                 # a tf-keras model file to Keras 3's archive\n"
      "  initlab convert model.keras w.safetensors --pytorch  # for load_state_dict in PyTorch\n"
      "  initlab convert w.weights.h5 w.npz --model model.json");
  auto in = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto model_path = std::make_shared<std::string>();
  auto pytorch = std::make_shared<bool>(false);
  auto no_optimizer = std::make_shared<bool>(false);
  auto weights_only = std::make_shared<bool>(false);
  cmd->add_option("in", *in, "The file to read")->required()->check(regular_file());
  cmd->add_option("out", *out, "The file to write (its name says the format)")->required();
  cmd->add_option("--model", *model_path, "The architecture for a weights-only input (.keras, .h5 or model JSON)")
      ->check(regular_file());
  cmd->add_flag("--pytorch", *pytorch, "PyTorch names and layouts in a .safetensors or .npz output (load_state_dict takes it)");
  cmd->add_flag("--no-optimizer", *no_optimizer, "Leave the optimizer's state out");
  cmd->add_flag("--weights-only", *weights_only, "An .h5 output holds the weights alone, as save_weights(\"w.h5\") writes");
  return {cmd, [=]() {
            const FileFormat to = format_from_name(*out);
            check_writable(*out);
            const FileFormat from = detect_file_format(*in, read_file(*in));
            if (model_path->empty() && !is_model_format(from) && from != FileFormat::kLegacyH5) {
              if (!is_tensor_format(from) || !is_tensor_format(to) || *pytorch) {
                throw ValueError(fmt::format("{}: {} holds weights without their architecture; give the model with "
                                             "--model (a .keras, .h5 or Keras model JSON)",
                                             *in, format_name(from)));
              }
              const TensorSet set = read_weight_tensors(*in);
              if (to == FileFormat::kNpz) {
                save_npz(*out, set);
              } else {
                save_safetensors(*out, set);
              }
              std::cout << fmt::format("{}: {} tensors, as stored in {}\n", *out, set.size(), *in);
              return 0;
            }
            const std::string& source = model_path->empty() ? *in : *model_path;
            KerasModel k = load_model(source);
            for (const auto& w : k.warnings) std::cerr << fmt::format("warning: {}: {}\n", source, w);
            Sequential& model = k.model;
            if (!model_path->empty()) load_weights(model, *in);
            // A model JSON alone gives the initial weights, as model_from_json in Keras does.
            if (!model.built() && model.input_shape()) model.build(*model.input_shape());
            if (is_model_format(to) || (to == FileFormat::kLegacyH5 && !*weights_only)) {
              save_model(model, *out);
            } else {
              save_weights(model, *out,
                           {.naming = *pytorch ? WeightNaming::kPyTorch : WeightNaming::kInitlab,
                            .include_optimizer = !*no_optimizer && !*pytorch});
            }
            std::cout << fmt::format("{}: model '{}' ({} weights) as {}\n", *out, model.name(), model.variables().size(),
                                     format_name(to));
            return 0;
          }};
}

}  // namespace initlab::app
