// How other programs name a model's layers and weights:
//
//   Keras 3 (.keras, .weights.h5)  layer i of model.layers is stored under
//       "layers/<snake_case(class)>[_N]", N counting earlier layers of the same
//       class (formats.md §2.2): Dense(name="layer1") is "layers/dense", the
//       second Dense "layers/dense_1", whatever the config's layer names are.
//   PyTorch (nn.Sequential)        "<index>.<parameter>" where index is the
//       module's position in an nn.Sequential of the same architecture: every
//       layer is one module, and a layer with a non-linear activation is
//       followed by one more (Dense(64, "relu") ≡ Linear, ReLU), so
//       Dense(relu) → Dense(softmax) is "0.weight", "0.bias", "2.weight", … .
//       Parameters: Linear/Conv2d weight, bias; BatchNorm weight, bias,
//       running_mean, running_var, num_batches_tracked (formats.md §5.1).
//   initlab                        the Variable's own name, "dense_1/kernel".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "initlab/nn/sequential.hpp"

namespace initlab {

/// The names a weight file written by initlab gives its tensors.
enum class WeightNaming { kInitlab, kPyTorch };

/// Keras's naming.to_snake_case: Dense → dense, ReLU → re_lu, Conv2D → conv2d,
/// MaxPooling2D → max_pooling2d, BatchNormalization → batch_normalization.
std::string keras_snake_case(std::string_view class_name);

/// "dense", "dense_1", … for each layer of the model (InputLayer excluded, as
/// Sequential.layers excludes it): the last segment of its Keras 3 path.
std::vector<std::string> keras3_layer_names(const Sequential& model);
/// "layers/dense", "layers/dense_1", … one per layer of the model.
std::vector<std::string> keras3_layer_paths(const Sequential& model);

/// The nn.Sequential index of each layer of the model (see above).
std::vector<int64_t> pytorch_module_indices(const Sequential& model);
/// PyTorch's parameter names for a layer's variables, in the layer's variable
/// order: Dense/Conv2D "weight", "bias"; BatchNormalization "weight", "bias",
/// "running_mean", "running_var"; others keep the variable's short name.
std::vector<std::string> pytorch_parameter_names(const Layer& layer);

/// The variable's short name: "kernel" for "dense_1/kernel".
std::string_view short_variable_name(std::string_view variable_name);

}  // namespace initlab
