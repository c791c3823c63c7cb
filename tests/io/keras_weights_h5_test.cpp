// Keras 3 .weights.h5 layout: every fixture h5py wrote in a layout or quirk of
// formats.md §2.2–2.7 read with its exact values, write → read round trips,
// and h5py reading what initlab wrote (make_fixtures.py --verify).
#include "initlab/io/keras_weights_h5.hpp"

#include <gtest/gtest.h>

#include "container_fixtures.hpp"
#include "h5_fixtures.hpp"
#include "initlab/core/atomic_file.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

using testing::error_of;
using testing::h5_fixture;
using testing::h5_fixture_path;
using testing::le_bytes;
using testing::ramp;
using testing::values_of;

std::vector<SaveableVars> read_fixture(const std::string& name) { return read_keras3_weights(h5_fixture(name).root()); }

std::vector<std::string> paths_of(const std::vector<SaveableVars>& objects) {
  std::vector<std::string> out;
  for (const SaveableVars& o : objects) out.push_back(o.path);
  return out;
}

const SaveableVars& find(const std::vector<SaveableVars>& objects, const std::string& path) {
  for (const SaveableVars& o : objects) {
    if (o.path == path) return o;
  }
  throw std::runtime_error("no object at " + path);
}

TEST(Keras3WeightsH5, ReadsAKeras36File) {
  const std::vector<SaveableVars> objects = read_fixture("k3_basic.weights.h5");
  EXPECT_EQ(paths_of(objects),
            (std::vector<std::string>{"", "layers/dense", "layers/dense_1", "layers/dropout", "optimizer"}));
  EXPECT_EQ(objects[0].name, "sequential");
  EXPECT_TRUE(objects[0].vars.empty());

  const SaveableVars& dense = find(objects, "layers/dense");
  EXPECT_EQ(dense.name, "layer1");  // the layer's own name, not the group's
  ASSERT_EQ(dense.vars.size(), 2u);
  EXPECT_EQ(dense.vars[0].name, "0");
  EXPECT_EQ(dense.vars[0].shape, Shape({3, 4}));
  EXPECT_EQ(values_of(dense.vars[0]), ramp(12, 0.0, 0.5));
  EXPECT_EQ(dense.vars[1].name, "1");
  EXPECT_EQ(values_of(dense.vars[1]), ramp(4, -1.0, 0.25));

  const SaveableVars& dense_1 = find(objects, "layers/dense_1");
  EXPECT_EQ(values_of(dense_1.vars[0]), ramp(8, 1.0, -0.125));
  EXPECT_EQ(values_of(dense_1.vars[1]), ramp(2, 3.0, 1.0));
  EXPECT_EQ(find(objects, "layers/dropout").name, "dropout");
  EXPECT_TRUE(find(objects, "layers/dropout").vars.empty());

  const SaveableVars& optimizer = find(objects, "optimizer");
  EXPECT_EQ(optimizer.name, "adam");
  ASSERT_EQ(optimizer.vars.size(), 4u);
  EXPECT_EQ(optimizer.vars[0].dtype, DType::kI64);
  EXPECT_EQ(optimizer.vars[0].as_int64(), 7);
  EXPECT_EQ(optimizer.vars[1].bytes, le_bytes<float>({0.001f}));
  EXPECT_EQ(values_of(optimizer.vars[3]), ramp(12, 0.0, 0.02));
}

TEST(Keras3WeightsH5, SortsVarsAsNumbersAndAcceptsNoNameAttribute) {
  const std::vector<SaveableVars> objects = read_fixture("k3_many_vars.weights.h5");
  EXPECT_EQ(paths_of(objects), (std::vector<std::string>{"", "layers/custom"}));
  const SaveableVars& custom = objects[1];
  EXPECT_EQ(custom.name, std::nullopt);  // Keras 3.0–3.5
  ASSERT_EQ(custom.vars.size(), 12u);
  for (size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(custom.vars[i].name, std::to_string(i));
    EXPECT_EQ(custom.vars[i].shape, Shape({static_cast<int64_t>(i + 1)}));
    EXPECT_EQ(values_of(custom.vars[i]), std::vector<float>(i + 1, static_cast<float>(i))) << i;
  }
}

TEST(Keras3WeightsH5, ReadsBackslashGroupNamesAsPaths) {
  const std::vector<SaveableVars> objects = read_fixture("k3_backslash.weights.h5");
  EXPECT_EQ(paths_of(objects), (std::vector<std::string>{"layers/conv2d", "layers/dense", "metrics/mean"}));
  EXPECT_EQ(objects[0].vars[0].shape, Shape({3, 3, 1, 2}));
  EXPECT_EQ(values_of(objects[0].vars[0]), ramp(18, 0.0, 0.5));
  EXPECT_EQ(values_of(objects[0].vars[1]), ramp(2, 10.0, 1.0));
  EXPECT_EQ(values_of(objects[1].vars[0]), ramp(6, -3.0, 1.0));
  EXPECT_EQ(values_of(objects[2].vars[0]), std::vector<float>{4.0f});
}

TEST(Keras3WeightsH5, ASlashPathWinsOverTheSameBackslashName) {
  H5File out = H5File::create_in_memory("both");
  H5Group root = out.root();
  root.write_dataset("layers/dense/vars/0", testing::stored("0", DType::kF32, Shape{1}, le_bytes<float>({1.f})));
  root.write_dataset("layers\\dense/vars/0", testing::stored("0", DType::kF32, Shape{1}, le_bytes<float>({2.f})));
  root.write_dataset("layers\\conv2d/vars/0", testing::stored("0", DType::kF32, Shape{1}, le_bytes<float>({3.f})));
  const std::vector<SaveableVars> objects = read_keras3_weights(H5File::from_image(out.image(), "both.h5").root());
  // Tree order: the '/' tree under `layers` first, then the backslash names beside it.
  EXPECT_EQ(paths_of(objects), (std::vector<std::string>{"layers/dense", "layers/conv2d"}));
  EXPECT_EQ(values_of(objects[0].vars[0]), std::vector<float>{1.f});
}

TEST(Keras3WeightsH5, ReadsTfKeras213LayerCheckpointDependencies) {
  const std::vector<SaveableVars> objects = read_fixture("k3_tf213.weights.h5");
  EXPECT_EQ(paths_of(objects), (std::vector<std::string>{"", "layers/dense", "layers/dense_1"}));
  EXPECT_EQ(values_of(objects[1].vars[0]), ramp(4, 1.0, 1.0));
  EXPECT_EQ(values_of(objects[1].vars[1]), ramp(2, 0.5, 0.5));
  EXPECT_EQ(values_of(objects[2].vars[0]), ramp(2, -1.0, 2.0));
}

TEST(Keras3WeightsH5, ReadsEveryDtypeAndNestedModels) {
  const std::vector<SaveableVars> objects = read_fixture("k3_dtypes.weights.h5");
  EXPECT_EQ(paths_of(objects), (std::vector<std::string>{"layers/dense", "layers/flags", "layers/normalization",
                                                         "layers/sequential", "layers/sequential/layers/dense",
                                                         "optimizer"}));
  const SaveableVars& dense = objects[0];
  EXPECT_EQ(dense.vars[0].dtype, DType::kBF16);
  EXPECT_EQ(values_of(dense.vars[0]), ramp(6, -1.0, 0.5));
  EXPECT_EQ(dense.vars[1].dtype, DType::kBF16);
  EXPECT_EQ(values_of(dense.vars[1]), ramp(3, 2.0, 2.0));
  EXPECT_EQ(dense.vars[2].dtype, DType::kF16);
  EXPECT_EQ(objects[2].vars[2].dtype, DType::kI32);
  EXPECT_EQ(objects[2].vars[2].as_int64(), 5);
  EXPECT_EQ(objects[3].name, "augment");
  EXPECT_EQ(objects[4].name, "inner");
  EXPECT_EQ(values_of(objects[4].vars[0]), ramp(4, 0.0, 0.25));
  EXPECT_EQ(objects[5].vars[0].dtype, DType::kI32);  // JAX/torch iteration
  EXPECT_EQ(objects[5].vars[0].as_int64(), 3);
}

TEST(Keras3WeightsH5, SiblingsInNumberedOrder) {
  H5File out = H5File::create_in_memory("order");
  H5Group root = out.root();
  std::vector<SaveableVars> objects;
  for (const char* path : {"layers/dense_10", "layers/dense_2", "layers/dense", "layers/dense_1"}) {
    objects.push_back({path, std::nullopt, {}});
  }
  write_keras3_weights(root, objects);
  EXPECT_EQ(paths_of(read_keras3_weights(H5File::from_image(out.image(), "order.h5").root())),
            (std::vector<std::string>{"layers/dense", "layers/dense_1", "layers/dense_2", "layers/dense_10"}));
}

TEST(Keras3WeightsH5, RefusesAGapInVars) {
  EXPECT_EQ(error_of([] { (void)read_fixture("k3_vars_gap.weights.h5"); }),
            h5_fixture_path("k3_vars_gap.weights.h5") +
                ": /layers/dense/vars: variable 1 is missing (the group holds 0, 2; Keras numbers them 0 to 1)");
}

TEST(Keras3WeightsH5, RefusesWhatIsNotAVariable) {
  H5File out = H5File::create_in_memory("odd");
  H5Group root = out.root();
  root.write_dataset("layers/dense/vars/kernel", testing::stored("k", DType::kF32, Shape{1}, le_bytes<float>({1.f})));
  root.create_group("layers/conv2d/vars/0");
  const std::string image = out.image();
  EXPECT_EQ(error_of([&] { (void)read_keras3_weights(H5File::from_image(image, "odd.h5").root()); }),
            "odd.h5: /layers/conv2d/vars/0: expected a dataset (a variable), found a group");
  H5File only_dense = H5File::create_in_memory("odd");
  H5Group r2 = only_dense.root();
  r2.write_dataset("layers/dense/vars/01", testing::stored("k", DType::kF32, Shape{1}, le_bytes<float>({1.f})));
  EXPECT_EQ(error_of([&] { (void)read_keras3_weights(H5File::from_image(only_dense.image(), "odd.h5").root()); }),
            "odd.h5: /layers/dense/vars: unexpected member '01' (a vars group holds datasets named 0, 1, 2, …)");
}

TEST(Keras3WeightsH5, RefusesLinksInTheTree) {
  EXPECT_NE(error_of([] { (void)read_fixture("k3_soft_link.weights.h5"); })
                .find(": /layers/dense/vars/0: a soft link to '/data/kernel'"),
            std::string::npos);
  EXPECT_NE(error_of([] { (void)read_fixture("k3_external_link.weights.h5"); })
                .find(": /layers/dense: an external link to '/layers/dense' in 'other.h5'"),
            std::string::npos);
  EXPECT_NE(error_of([] { (void)read_fixture("k3_external_dataset.weights.h5"); }).find("an external dataset"),
            std::string::npos);
  EXPECT_NE(error_of([] { (void)read_fixture("k3_huge_declared.weights.h5"); }).find("declares float32 (2147483648, 4)"),
            std::string::npos);
}

TEST(Keras3WeightsH5, WriteThenReadGivesTheSameObjects) {
  const std::vector<SaveableVars> objects = read_fixture("k3_dtypes.weights.h5");
  H5File out = H5File::create_in_memory("again");
  H5Group root = out.root();
  write_keras3_weights(root, objects);
  const std::vector<SaveableVars> back = read_keras3_weights(H5File::from_image(out.image(), "again.h5").root());
  ASSERT_EQ(paths_of(back), paths_of(objects));
  for (size_t i = 0; i < objects.size(); ++i) {
    EXPECT_EQ(back[i].name, objects[i].name) << objects[i].path;
    ASSERT_EQ(back[i].vars.size(), objects[i].vars.size()) << objects[i].path;
    for (size_t k = 0; k < objects[i].vars.size(); ++k) {
      EXPECT_EQ(back[i].vars[k].dtype, objects[i].vars[k].dtype) << objects[i].path << " " << k;
      EXPECT_EQ(back[i].vars[k].shape, objects[i].vars[k].shape) << objects[i].path << " " << k;
      EXPECT_EQ(back[i].vars[k].bytes, objects[i].vars[k].bytes) << objects[i].path << " " << k;
    }
  }
}

TEST(Keras3WeightsH5, RefusesBadPathsToWrite) {
  H5File out = H5File::create_in_memory("bad.h5");
  H5Group root = out.root();
  EXPECT_EQ(error_of([&] { write_keras3_weights(root, {{"layers/dense", {}, {}}, {"layers/dense", {}, {}}}); }),
            "bad.h5: the object path 'layers/dense' is given twice");
  const std::vector<SaveableVars> empty_part = {SaveableVars{"layers//dense", std::nullopt, {}}};
  EXPECT_EQ(error_of([&] { write_keras3_weights(root, empty_part); }),
            "bad.h5: the object path 'layers//dense' has an empty, '.' or 'vars' component (expected \"layers/dense\", "
            "or \"\" for the model)");
  const std::vector<SaveableVars> vars_part = {SaveableVars{"layers/vars", std::nullopt, {}}};
  EXPECT_THROW(write_keras3_weights(root, vars_part), ValueError);
}

TEST(Keras3WeightsH5, H5pyReadsWhatInitlabWrites) {
  if (!testing::have_h5py()) GTEST_SKIP() << "/usr/bin/python3 has no h5py";
  testing::ScratchDir dir("initlab_k3_h5py");
  for (const char* name : {"k3_basic.weights.h5", "k3_many_vars.weights.h5", "k3_dtypes.weights.h5"}) {
    H5File out = H5File::create_in_memory(name);
    H5Group root = out.root();
    write_keras3_weights(root, read_fixture(name));
    write_file_atomically(dir.file(name), out.image());
  }
  bool ok = false;
  const std::string report = testing::h5py_verify(dir.path.string(), ok);
  EXPECT_TRUE(ok) << report;
}

}  // namespace
}  // namespace initlab
