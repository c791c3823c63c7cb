// A model's weights as a PyTorch state_dict of the same architecture, and back
// (formats.md §5): names from io/weight_naming.hpp ("0.weight"), layouts
//   Linear weight (out, in)          = Dense kernel (in, out) transposed
//   Conv2d weight (out, in, kh, kw)  = Conv2D kernel (kh, kw, in, out) permuted (3, 2, 0, 1)
//   BatchNorm weight, bias, running_mean, running_var = gamma, beta, moving_mean,
//       moving_variance; num_batches_tracked (int64 scalar) written as 0, dropped on import
// PyTorch flattens an activation map as (C, H, W), Keras as (H, W, C): the
// first Dense after a Flatten of an (H, W, C) map (Dropout and Activation
// layers between them do not matter) has its rows permuted so that
//   W_torch[o, (c·H + h)·W + w] = kernel[(h·W + w)·C + c, o]
// and nn.Sequential with the same modules predicts what the model predicts.
#pragma once

#include <string>

#include "initlab/io/tensor_set.hpp"
#include "initlab/io/weight_restore.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

/// The built model's variables under PyTorch's names and layouts, in module order.
TensorSet pytorch_state_dict(const Sequential& model);

/// True when every name looks like a state_dict key of an nn.Sequential or a
/// module tree ("0.weight", "features.3.bias", "fc1.weight").
bool looks_like_pytorch_names(const TensorSet& set);

/// The file's modules (tensors grouped by the key before the last '.', in
/// index order: "2.weight" before "10.weight") matched by position with the
/// model's layers that have variables, each converted to the layout of the
/// layer it meets. `where` names the file in messages.
FileWeights file_weights_from_pytorch(const Sequential& model, const TensorSet& set, const std::string& where);

}  // namespace initlab
