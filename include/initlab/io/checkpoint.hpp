// Checkpoints: everything a bit-identical continuation of training needs, in
// one safetensors file (formats.md §3) that PyTorch users can read too.
//
//   tensors       every variable under its name ("dense_1/kernel", float32);
//                 every optimizer slot as "optimizer/slot<k>/<variable>"
//   __metadata__  "format":   "initlab-checkpoint"
//                 "version":  "1"
//                 "state":    JSON: {"training": TrainingState, "layers":
//                             [{"name", "tensors": [names in variable order]}],
//                             "slots": [{"variable", "index", "tensor"}],
//                             "progress": FitProgress or null}
//                 "checksum": XXH3-64 (16 hex digits) over "initlab-checkpoint\n1\n",
//                             the state text, then for every tensor in the
//                             state's order its name, dtype, shape and bytes
//
// Loading checks the format, the version and the checksum before it looks at
// the model (FormatError naming the file and what differs), then checks every
// tensor (io/weight_restore.hpp, strict, by layer name) and the training state
// (Sequential::check_training_state) and only then changes the model: a
// failure leaves it untouched.
//
// Files are written atomically (core/atomic_file.hpp): the temporary file is
// ".<name>.tmp<hex>", which never passes for a checkpoint; a directory given
// to a loader yields its newest complete checkpoint, that is, among the
// regular files "*.safetensors" not starting with '.', the one that verifies
// and has trained the most steps (the later modification time on a tie).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "initlab/io/tensor_set.hpp"
#include "initlab/io/weight_restore.hpp"
#include "initlab/nn/sequential.hpp"
#include "initlab/nn/training_state.hpp"

namespace initlab {

inline constexpr const char* kCheckpointFormat = "initlab-checkpoint";
inline constexpr const char* kCheckpointVersion = "1";

/// A checkpoint file's contents, verified.
struct Checkpoint {
  TrainingState training;
  std::vector<FileLayer> layers;       ///< the model's layers by name, tensors in variable order
  std::optional<FitProgress> progress;  ///< absent when saved outside fit
};

/// The checkpoint's bytes: weights, optimizer slots, training state and, when
/// given, the fit's progress (model.fit_progress() from a callback). Does not
/// change the model.
std::string encode_checkpoint(Sequential& model, const FitProgress* progress = nullptr);
/// Parses and verifies checkpoint bytes (`where` names them in errors):
/// FormatError when the format, the version or the checksum differs, or the
/// state does not describe the tensors.
Checkpoint decode_checkpoint(std::string bytes, const std::string& where);

/// Writes encode_checkpoint atomically to `path`.
void save_checkpoint(const std::string& path, Sequential& model, const FitProgress* progress = nullptr);

/// The newest complete checkpoint in `dir` (see above), or nullopt when it has
/// none; `skipped` (when given) gets one line per candidate that did not verify.
std::optional<std::string> newest_checkpoint(const std::string& dir, std::vector<std::string>* skipped = nullptr);

/// Reads and verifies a checkpoint file, or the newest complete one of a
/// directory (IoError naming the directory and what was skipped when none).
/// `resolved` (when given) gets the file's path.
Checkpoint read_checkpoint(const std::string& path, std::string* resolved = nullptr);

struct LoadedCheckpoint {
  std::string path;                     ///< the file (a directory's newest)
  std::optional<FitProgress> progress;  ///< FitOptions::resume continues from it
  RestoreReport report;
};

/// Restores a checkpoint (a file or a directory's newest) into `model`, which
/// must have the saved architecture and be compiled with the saved optimizer:
/// weights, optimizer state, counters, random positions and the global seed.
/// Everything is checked first; any problem is an error that changes nothing.
LoadedCheckpoint load_checkpoint(Sequential& model, const std::string& path);

}  // namespace initlab
