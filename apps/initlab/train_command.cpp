// initlab train — train a Keras model file on a data set.
#include <iostream>

#include "cli_numbers.hpp"
#include "commands.hpp"
#include "input_path.hpp"
#include "initlab/lab/train_job.hpp"

namespace initlab::app {

Command add_train_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train a model written in Keras's JSON (model.to_json(), Keras 3 or tf-keras 2.x) with a \"training\" section;\n"
      "prints a progress bar, per-epoch validation and the test accuracy, writes history.csv and history.json.\n"
      "Examples: examples/configs/*.json");
  auto path = std::make_shared<std::string>();
  auto o = std::make_shared<TrainJobOptions>();
  auto epochs = std::make_shared<int>(0);
  auto batch = std::make_shared<int64_t>(0);
  auto seed = std::make_shared<uint64_t>(0);
  auto dataset = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  cmd->add_option("config", *path, "The model file (Keras JSON, optionally with compile_config and training)")
      ->required()
      ->check(regular_file());
  auto* epochs_opt = cmd->add_option("--epochs", *epochs, "Epochs (overrides training.epochs)")->transform(integer_in(0, 100000));
  auto* batch_opt =
      cmd->add_option("--batch-size", *batch, "Batch size (overrides training.batch_size)")->transform(positive_size(1 << 20));
  auto* seed_opt = cmd->add_option("--seed", *seed, "Global seed (overrides training.seed; drawn and printed when neither)")
                        ->transform(seed_number());
  auto* dataset_opt = cmd->add_option(
      "--dataset", *dataset, "fashion_mnist, circle, xor, gauss, spiral, reg-plane or reg-gauss (overrides training.dataset)");
  cmd->add_option("--max-samples", o->max_samples, "Train on the first N training samples only (0: all)")
      ->capture_default_str()
      ->transform(integer_in(0, std::numeric_limits<int64_t>::max()));
  cmd->add_option("--out", o->out_dir, "Directory for history.csv and history.json (default: runs/<model name>)");
  cmd->add_flag("--quiet", *quiet, "One line per epoch instead of a progress bar");
  cmd->add_option("--save", o->save_path,
                  "Write the trained model: PATH.keras or .h5 (the model), or its weights: .weights.h5, .safetensors, .npz");
  cmd->add_option("--checkpoint", o->checkpoint_dir,
                  "Write a training checkpoint to DIR at each epoch's end (resumable bit for bit)");
  cmd->add_option("--checkpoint-every", o->checkpoint_every, "With --checkpoint: every N batches instead of each epoch")
      ->transform(positive_size(INT64_MAX));
  cmd->add_flag("--resume", o->resume, "With --checkpoint DIR: continue from DIR's newest checkpoint");
  return {cmd, [=]() {
            TrainJobOptions opt = *o;
            if (*epochs_opt) opt.epochs = *epochs;
            if (*batch_opt) opt.batch_size = *batch;
            if (*seed_opt) opt.seed = *seed;
            if (*dataset_opt) opt.dataset = *dataset;
            if (*quiet) opt.verbose = Verbosity::kOneLinePerEpoch;
            run_train_job(*path, opt, std::cout);
            return 0;
          }};
}

}  // namespace initlab::app
