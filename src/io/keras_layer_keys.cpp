#include "keras_layer_keys.hpp"

namespace initlab::detail {

const std::vector<KerasLayerKeys>& keras_layer_classes() {
  // Sources (Keras v3.0.0): keras/src/layers/core/dense.py, convolutional/base_conv.py,
  // pooling/base_pooling.py, pooling/base_global_pooling.py, reshaping/flatten.py,
  // normalization/batch_normalization.py, regularization/dropout.py,
  // activations/activation.py, preprocessing/normalization.py.
  static const std::vector<std::string> quantized_or_lora = {"quantization_config", "lora_rank", "lora_alpha"};
  static const std::vector<std::string> pool = {"pool_size", "padding", "strides", "data_format"};
  static const std::vector<std::string> global_pool = {"data_format", "keepdims"};
  static const std::vector<KerasLayerKeys> classes = {
      {"Dense",
       {},
       {"units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
        "bias_regularizer", "kernel_constraint", "bias_constraint"},
       quantized_or_lora},
      {"Conv2D",
       {"Convolution2D"},
       {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", "activation",
        "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
        "activity_regularizer", "kernel_constraint", "bias_constraint"},
       quantized_or_lora},
      {"MaxPooling2D", {"MaxPool2D"}, pool, {}},
      {"AveragePooling2D", {"AvgPool2D"}, pool, {}},
      {"GlobalAveragePooling2D", {"GlobalAvgPool2D"}, global_pool, {}},
      {"Flatten", {}, {"data_format"}, {}},
      {"BatchNormalization",
       {},
       {"axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
        "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
        "beta_constraint", "gamma_constraint", "synchronized"},
       {"renorm", "renorm_clipping", "renorm_momentum", "virtual_batch_size"}},
      {"Dropout", {}, {"rate", "seed", "noise_shape"}, {}},
      {"Activation", {}, {"activation"}, {}},
      {"Normalization", {}, {"axis", "invert", "mean", "variance"}, {}},
  };
  return classes;
}

const KerasLayerKeys* find_keras_layer(std::string_view class_name) {
  for (const auto& k : keras_layer_classes()) {
    if (k.class_name == class_name) return &k;
    for (const auto& a : k.aliases) {
      if (a == class_name) return &k;
    }
  }
  return nullptr;
}

const KerasLayerKeys& keras_input_layer_keys() {
  static const KerasLayerKeys keys = {
      "InputLayer", {}, {"batch_shape", "dtype", "sparse", "name"}, {"batch_input_shape", "input_shape", "ragged", "optional"}};
  return keys;
}

}  // namespace initlab::detail
