#include "initlab/data/fashion_mnist.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "initlab/core/error.hpp"
#include "initlab/data/idx.hpp"

namespace initlab {
namespace {

constexpr const char* kPackage = "dataset-fashion-mnist";
constexpr int64_t kSide = 28;

std::string file_of(const std::string& dir, const char* stem) {
  const std::string plain = dir + "/" + stem;
  std::error_code ec;
  if (std::filesystem::exists(plain, ec)) return plain;
  return plain + ".gz";
}

LabelledImages load_split(const std::string& dir, const char* images_stem, const char* labels_stem, int64_t expected) {
  const std::string images_path = file_of(dir, images_stem), labels_path = file_of(dir, labels_stem);
  for (const auto& p : {images_path, labels_path}) {
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) {
      throw IoError(fmt::format("{}: file not found (Fashion-MNIST comes from the Debian package {}; install it "
                                "with scripts/setup, or point INITLAB_FASHION_MNIST at a folder with the IDX files)",
                                p, kPackage));
    }
  }
  // A short or corrupt file: say which package to reinstall.
  auto read = [](const std::string& path, const IdxDimsCheck& check) {
    try {
      return read_idx(path, check);
    } catch (const IoError& e) {
      if (std::string(e.what()).find(kPackage) != std::string::npos) throw;
      throw IoError(fmt::format("{} (the file comes from the Debian package {}; reinstall it)", e.what(), kPackage));
    }
  };
  // The dimensions are checked as soon as the header is read, before the values are.
  const IdxArray img = read(images_path, [&](const std::vector<int64_t>& dims) {
    if (dims.size() != 3 || dims[0] != expected || dims[1] != kSide || dims[2] != kSide) {
      throw IoError(fmt::format("{}: expected {} images of {}×{}, found dimensions ({}) (reinstall {})", images_path,
                                expected, kSide, kSide, fmt::join(dims, ", "), kPackage));
    }
  });
  const IdxArray lab = read(labels_path, [&](const std::vector<int64_t>& dims) {
    if (dims.size() != 1 || dims[0] != expected) {
      throw IoError(fmt::format("{}: expected {} labels, found dimensions ({}) (reinstall {})", labels_path, expected,
                                fmt::join(dims, ", "), kPackage));
    }
  });
  LabelledImages out{Tensor(Shape{expected, kSide, kSide, 1}), Tensor(Shape{expected})};
  for (size_t i = 0; i < img.values.size(); ++i) out.images[static_cast<int64_t>(i)] = img.values[i] / 255.0f;
  for (int64_t i = 0; i < expected; ++i) {
    const float l = lab.values[static_cast<size_t>(i)];
    if (!(l >= 0 && l <= 9) || l != std::floor(l)) {
      throw IoError(fmt::format("{}: label {} of sample {} is not a class index 0..9", labels_path, l, i));
    }
    out.labels[i] = l;
  }
  return out;
}

}  // namespace

std::string fashion_mnist_directory() {
  if (const char* env = std::getenv("INITLAB_FASHION_MNIST"); env != nullptr && *env != '\0') return env;
  return "/usr/share/datasets/fashion-mnist";
}

bool fashion_mnist_available(const std::string& dir) {
  for (const char* stem : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte"}) {
    std::error_code ec;
    if (!std::filesystem::exists(file_of(dir, stem), ec)) return false;
  }
  return true;
}

FashionMnist load_fashion_mnist(const std::string& dir) {
  FashionMnist data;
  data.train = load_split(dir, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", 60000);
  data.test = load_split(dir, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 10000);
  return data;
}

}  // namespace initlab
