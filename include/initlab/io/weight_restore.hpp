// Strict, transactional restore of a weight file's tensors into a Sequential.
//
// Every reader turns its file into FileWeights: the file's layers, each with
// its tensors in the layer's variable order, and how its layers are meant to
// be matched to the model's. restore_weights then
//   1. matches file layers to model layers,
//   2. converts and checks EVERY tensor (count, shape, dtype) and the optimizer
//      state, without touching the model,
//   3. and only when nothing is wrong (strict) assigns them all.
// Strict (the default): one RestoreError whose message lists every missing,
// unexpected, mis-shaped and wrong-dtype tensor, one per line:
//   model.weights.h5: 3 problems restoring model 'sequential':
//     layer 'dense_1' (Dense): kernel: shape (64, 10) expected, file has (32, 10)
//     layer 'dense_2' (Dense): missing from the file (kernel (10, 1), bias (1,))
//     file layer 'conv2d': not in the model (2 tensors)
// Partial (strict = false): loads the layers that match entirely and reports
// every tensor it skipped, and why. The model is never left half-assigned in
// either case: a failure leaves every weight bit-identical.
//
// Optimizer state (Keras 3's optimizer/vars) is restored when the model is
// compiled with the same kind of optimizer and the file's variable count is
// the one that optimizer keeps; otherwise it is skipped and the report says
// why (Keras warns and skips the same way).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "initlab/io/tensor_set.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

struct FileLayer {
  std::string name;         ///< the file's name for the layer (group, layer name, prefix)
  std::string keras_class;  ///< snake_case class when the file implies it ("dense"), else ""
  std::vector<StoredTensor> tensors;  ///< in the layer's variable order (kernel, bias, …), in initlab's layouts
  /// The saving program's name for the layer when the file keeps one beside
  /// `name` (the `name` attribute of a Keras 3 vars group), else "".
  std::string saved_name{};
};

/// How a file's layers are paired with the model's.
enum class LayerMatch {
  /// The file's layers that hold tensors against the model's layers that have
  /// variables, in order (legacy .h5 as Keras loads it; PyTorch state dicts).
  kPosition,
  /// Keras 3: the file's name is the layer's path segment, class and position
  /// within the class ("dense_1" = the second Dense), as keras3_layer_names gives.
  kKerasPath,
  /// The file's name is the model's layer name (files initlab wrote).
  kName,
};

/// An optimizer's variables as Keras 3 stores them in optimizer/vars:
/// iteration, learning_rate, then the slots (formats.md §2.4).
struct FileOptimizer {
  std::string name;  ///< the vars group's name attribute ("adam"), "" when absent
  std::vector<StoredTensor> variables;
};

struct FileWeights {
  std::vector<FileLayer> layers;
  LayerMatch match = LayerMatch::kPosition;
  std::optional<FileOptimizer> optimizer{};
};

struct RestoreOptions {
  bool strict = true;
  /// Match layers by name (a Keras 3 file's saved layer name, a legacy file's
  /// layer name) instead of the file's natural order.
  bool by_name = false;
  /// File layer name → model layer name, for renamed layers (used by name matching).
  std::map<std::string, std::string> rename{};
  /// Restore the optimizer state the file carries (when the model is compiled to take it).
  bool optimizer = true;
};

struct RestoreReport {
  std::vector<std::string> loaded;   ///< one line per layer (and the optimizer) restored
  std::vector<std::string> skipped;  ///< one line per tensor or layer left out, with the reason
  std::string str() const;
};

/// Restores `file` into `model` (built first when it knows its input shape).
/// `source` names the file in messages. Throws RestoreError (strict, or when
/// nothing at all matched), leaving the model unchanged.
RestoreReport restore_weights(Sequential& model, const FileWeights& file, const RestoreOptions& options,
                              const std::string& source);
/// restore_weights with the layers matched by position (or by name on request).
RestoreReport restore_layers(Sequential& model, const std::vector<FileLayer>& layers, const RestoreOptions& options,
                             const std::string& source);

}  // namespace initlab
