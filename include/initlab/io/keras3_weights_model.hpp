// A model's weights in Keras 3's layout (the groups of a .weights.h5 file or a
// .keras archive's model.weights.h5, io/keras_weights_h5.hpp), and back:
//   layers/<snake_case(class)>[_N]/vars   attr name = the layer's name; its variables in order
//   vars                                  attr name = the model's name (empty)
//   optimizer/vars                        attr name = "adam", … (when the model has taken a step)
// Keras's adapted Normalization keeps a third variable, `count`: written as an
// int64 0 (initlab does not count), dropped on reading.
#pragma once

#include <string>
#include <vector>

#include "initlab/io/keras_weights_h5.hpp"
#include "initlab/io/weight_restore.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

/// The built model's saveables, as Keras 3 walks a Sequential.
std::vector<SaveableVars> keras3_saveables(Sequential& model, bool include_optimizer = true);

/// The file's layers (matched by Keras path, "dense_1") and optimizer state.
/// Groups outside layers/ and optimizer (metrics, a nested model's parts) are
/// layers the model does not have, unless they hold no tensors.
FileWeights file_weights_from_keras3(const std::vector<SaveableVars>& objects);

/// Reads an HDF5 image or file's Keras 3 weights (`where` names it).
FileWeights read_keras3_file_weights(const H5File& file);
/// The bytes of a .weights.h5 file holding the model's weights.
std::string encode_keras3_weights(Sequential& model, bool include_optimizer, const std::string& where);

}  // namespace initlab
