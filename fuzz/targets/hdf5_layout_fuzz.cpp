// The HDF5 layouts of Keras files, built from the fuzzer's bytes with
// initlab's own writer and read back by every reader: well-formed HDF5 whose
// contents are anything (group and dataset names, layer_names and
// weight_names that point anywhere, strings fixed or split into chunks, every
// dtype and shape, a model_config of any text), restored into a small model
// strictly, partially and by name. libhdf5 parses only files it wrote, so the
// findings are initlab's; the hdf5_weights target feeds damaged bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "initlab/io/hdf5_file.hpp"
#include "initlab/io/keras3_weights_model.hpp"
#include "initlab/io/keras_weights_h5.hpp"
#include "initlab/io/legacy_h5_model.hpp"
#include "initlab/nn/dense.hpp"
#include "initlab/nn/batch_normalization.hpp"
#include "initlab/nn/sequential.hpp"
#include "support.hpp"

using namespace initlab;

namespace {

// The fuzzer's bytes, taken from the front; zeros once they run out.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  size_t below(size_t n) { return n == 0 ? 0 : byte() % n; }
  bool flag() { return (byte() & 1) != 0; }
  // A name: one of the usual ones, or up to 12 bytes as they come.
  std::string name() {
    static const char* usual[] = {"dense", "dense_1", "layers", "vars", "0", "1", "kernel:0", "bias:0",
                                  "model_weights", "layer_names", "a/b", "", ".", "layers\\dense",
                                  "_layer_checkpoint_dependencies", "optimizer", "batch_normalization"};
    if (flag()) return usual[below(sizeof(usual) / sizeof(usual[0]))];
    std::string s;
    for (size_t n = below(13); n > 0; --n) s += static_cast<char>(byte());
    return s;
  }
  std::string text(size_t max) {
    std::string s;
    for (size_t n = below(max + 1); n > 0; --n) s += static_cast<char>(byte());
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

StoredTensor tensor(Bytes& in) {
  static const DType dtypes[] = {DType::kF32, DType::kF64, DType::kF16, DType::kBF16, DType::kI64,
                                 DType::kI32, DType::kU8,  DType::kBool, DType::kI8};
  StoredTensor t;
  t.dtype = dtypes[in.below(sizeof(dtypes) / sizeof(dtypes[0]))];
  std::vector<int64_t> dims;
  for (size_t r = in.below(4); r > 0; --r) dims.push_back(static_cast<int64_t>(in.below(6)));
  t.shape = Shape(dims);
  t.bytes.resize(static_cast<size_t>(t.numel()) * dtype_size(t.dtype));
  for (char& c : t.bytes) c = static_cast<char>(in.byte());
  if (t.dtype == DType::kBool) {
    for (char& c : t.bytes) c = static_cast<char>(c & 1);
  }
  return t;
}

std::vector<std::string> names(Bytes& in, size_t max) {
  std::vector<std::string> v;
  for (size_t n = in.below(max + 1); n > 0; --n) v.push_back(in.name());
  return v;
}

// Input (3,) → Dense(2) → BatchNormalization → Dense(1).
Sequential small_model() {
  Sequential m("m");
  m.add(Input(Shape{3}));
  m.add(Dense(2));
  m.add(BatchNormalization());
  m.add(Dense(1, {.use_bias = false}));
  m.build(Shape{3});
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  std::string image;
  fuzz::refused_ok([&] {
    H5File file = H5File::create_in_memory("fuzz.h5");
    H5Group root = file.root();
    for (size_t step = in.below(24); step > 0; --step) {
      fuzz::refused_ok([&] {
        switch (in.below(6)) {
          case 0: root.create_group(in.name() + (in.flag() ? "/" + in.name() : "")); break;
          case 1: {
            StoredTensor t = tensor(in);
            root.write_dataset(in.name() + "/" + in.name(), t);
            break;
          }
          case 2: {
            const std::string g = in.name();
            H5Group target = root.has_group(g) ? root.group(g) : root;
            target.set_string_list_attribute(in.flag() ? "layer_names" : "weight_names", names(in, 6));
            break;
          }
          case 3: {
            const std::string g = in.name();
            H5Group target = root.has_group(g) ? root.group(g) : root;
            target.set_string_attribute(in.flag() ? "name" : in.name(), in.text(24),
                                        in.flag() ? H5Charset::kUtf8 : H5Charset::kAscii);
            break;
          }
          case 4: root.set_string_attribute("model_config", in.text(200)); break;
          default: root.set_string_attribute("training_config", in.text(120)); break;
        }
      });
    }
    image = file.image();
  });
  if (image.empty()) return 0;
  fuzz::refused_ok([&] {
    const H5File f = H5File::from_image(image, "fuzz.h5", false);
    fuzz::refused_ok([&] { (void)read_keras3_file_weights(f); });
    fuzz::refused_ok([&] { (void)read_legacy_tensors(f); });
    fuzz::refused_ok([&] { (void)decode_legacy_h5_model(f); });
    fuzz::refused_ok([&] {
      const FileWeights w = is_legacy_h5_layout(f.root()) ? read_legacy_file_weights(f) : read_keras3_file_weights(f);
      Sequential m = small_model();
      restore_weights(m, w, {.strict = in.flag(), .by_name = in.flag()}, "fuzz.h5");
    });
  });
  return 0;
}
