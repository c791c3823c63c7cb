// The config keys of each Keras layer class initlab reads and writes, shared by
// the reader (keras_model.cpp: which keys a config may carry) and the writer
// (keras_config_writer.cpp: which keys it emits).
//
// `written` is what Keras 3.0.0's get_config() returns after the base keys
// name, trainable, dtype (keras/src/layers/...; formats.md §1.4, §1.9), in
// Keras's order: the writer emits exactly these, so that every Keras 3
// release loads the file (Layer.__init__ refuses keys it does not know).
// `also_read` are the keys later Keras 3 releases and tf-keras 2.x add.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace initlab::detail {

struct KerasLayerKeys {
  std::string class_name;              ///< the canonical Keras class ("Conv2D")
  std::vector<std::string> aliases;    ///< other names Keras exports it under ("Convolution2D")
  std::vector<std::string> written;    ///< Keras 3.0's keys after name/trainable/dtype, in order
  std::vector<std::string> also_read;  ///< keys of later Keras 3 releases and tf-keras 2.x
};

/// Every layer class initlab knows besides InputLayer, in a fixed order.
const std::vector<KerasLayerKeys>& keras_layer_classes();
/// The entry of a class by its canonical name or an alias; nullptr when unknown.
const KerasLayerKeys* find_keras_layer(std::string_view class_name);
/// InputLayer's keys (it has no base keys): batch_shape, dtype, sparse, name in
/// Keras 3.0; batch_input_shape, input_shape (tf-keras, deprecated), ragged, optional later.
const KerasLayerKeys& keras_input_layer_keys();

}  // namespace initlab::detail
