// A model's weights as a flat set of named tensors (safetensors, .npz), and
// back: initlab's names ("dense_1/kernel", the Variable's name) or PyTorch's
// ("0.weight", io/pytorch_layout.hpp).
//
// With initlab's names the optimizer state travels too, in Keras 3's layout
// (io/keras_optimizer_state.hpp) under "optimizer/<kind>/<i>": "optimizer/adam/0"
// is the iteration count.
#pragma once

#include <string>

#include "initlab/io/tensor_set.hpp"
#include "initlab/io/weight_naming.hpp"
#include "initlab/io/weight_restore.hpp"
#include "initlab/nn/sequential.hpp"

namespace initlab {

/// The built model's tensors under `naming`; the optimizer's state with
/// initlab's names when `include_optimizer` and the model has taken a step.
TensorSet model_tensor_set(Sequential& model, WeightNaming naming, bool include_optimizer = true);

/// The layers of a flat tensor set: PyTorch's names when they look like a
/// state_dict (matched by position), else initlab's "<layer>/<variable>"
/// (matched by layer name), with "optimizer/<kind>/<i>" as the optimizer.
FileWeights file_weights_from_tensor_set(const Sequential& model, const TensorSet& set, const std::string& where);

}  // namespace initlab
