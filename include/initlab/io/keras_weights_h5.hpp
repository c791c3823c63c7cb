// The Keras 3 weights layout inside an HDF5 file (.weights.h5, and the
// model.weights.h5 member of a .keras archive): one group per saveable object
// with its variables at <path>/vars/0, <path>/vars/1, … (formats.md §2.2–2.5).
//
//   /layers/dense/vars        attr name="layer1"   0: float32 (4, 8)  1: float32 (8,)
//   /layers/dense_1/vars      attr name="layer2"   …
//   /optimizer/vars           attr name="adam"     0: int64 ()  1: float32 ()  …
//   /vars                     attr name="model"    (empty)
//
// The reader accepts what files people saved look like (§2.7): vars/<i>
// sorted as numbers (HDF5 lists 0, 1, 10, 2), the `name` attribute only in
// files from Keras 3.6 on, group names with a backslash (`layers\conv2d`, one
// component, from Windows) read as a path where the '/' path is absent, and
// tf-keras 2.13–2.15's `_layer_checkpoint_dependencies` in place of `layers`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "initlab/io/hdf5_file.hpp"
#include "initlab/io/tensor_set.hpp"

namespace initlab {

/// One saveable object's variables.
struct SaveableVars {
  /// The group path: "layers/dense", "layers/sequential/layers/dense_1",
  /// "optimizer", "" for the model's own /vars. Always written with '/' and
  /// `layers` (a backslash or `_layer_checkpoint_dependencies` in the file reads as these).
  std::string path;
  /// The vars group's `name` attribute when present (Keras 3.6+).
  std::optional<std::string> name;
  /// vars/0, vars/1, … in index order; StoredTensor.name is "0", "1", …
  std::vector<StoredTensor> vars;
};

/// Every group that holds a `vars` group, in tree order: an object's own vars
/// before its children, siblings in Keras's creation order where the names
/// tell it (dense, dense_1, dense_2, …, dense_10; HDF5 lists them as text).
/// FormatError naming the file and the path for: a vars member that is not a
/// dataset named by a number, indices with a gap or a duplicate (0, 1, 3),
/// groups nested deeper than 64, links other than hard links.
std::vector<SaveableVars> read_keras3_weights(const H5Group& root);

/// Writes the objects as Keras 3 does: <path>/vars (created even when empty)
/// with the `name` attribute (scalar variable-length UTF-8) when given and the
/// datasets "0", "1", …; "" is the root's /vars. A path repeated, absolute, or
/// with an empty, "." or "vars" component is a ValueError.
void write_keras3_weights(H5Group& root, const std::vector<SaveableVars>& objects);

}  // namespace initlab
