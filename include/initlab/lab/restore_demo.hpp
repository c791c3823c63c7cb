// initlab demo restore: "why are these random weights and not mine?", end to
// end, on a small classifier and files in a folder:
//   1. train it and save it (a .keras archive and a .safetensors file);
//   2. restore the archive into a freshly built model: the same predictions, bit for bit;
//   3. a checkpoint from an edited architecture (a renamed layer, a missing
//      layer, a wrong shape) is refused by the strict load, which lists every
//      problem and changes nothing;
//   4. the partial load loads what matches and reports what it skipped, and a
//      layer mapping takes the renamed layer too;
//   5. the classic mistake: the model is built again instead of restored.
//      inspect says "the untrained initial weights: glorot_uniform, seed 1234"
//      and diff says every tensor changed.
// The printout depends on nothing but the options (not on time or threads).
#pragma once

#include <iosfwd>
#include <string>

#include "initlab/diag/tensor_diff.hpp"
#include "initlab/diag/weight_forensics.hpp"
#include "initlab/io/weight_restore.hpp"

namespace initlab {

struct RestoreDemoOptions {
  uint64_t seed = 1234;
  /// Where the files go; empty: a temporary folder, removed at the end.
  std::string dir{};
  int epochs = 40;
};

struct RestoreDemoResult {
  bool same_predictions = false;     ///< step 2: bit-identical outputs after the restore
  std::string strict_error;          ///< step 3: the strict load's message
  bool strict_left_model_unchanged = false;
  RestoreReport partial;             ///< step 4, without the mapping
  RestoreReport renamed;             ///< step 4, with feats → features
  ForensicsReport rebuilt;           ///< step 5: inspect of the rebuilt model's weights
  ForensicsReport trained;           ///< step 5: inspect of the trained weights
  TensorDiffReport diff;             ///< step 5: trained against rebuilt
  double trained_accuracy = 0;
  double rebuilt_accuracy = 0;
};

/// Runs the demo, printing it to `out`.
RestoreDemoResult run_restore_demo(std::ostream& out, const RestoreDemoOptions& options = {});

}  // namespace initlab
