// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 60000 training and 10000 test
// images of 28×28 grey pixels in 10 classes, from Debian's
// dataset-fashion-mnist package (/usr/share/datasets/fashion-mnist).
#pragma once

#include <string>

#include "initlab/core/tensor.hpp"

namespace initlab {

struct LabelledImages {
  Tensor images;  ///< (n, 28, 28, 1), pixels scaled to [0, 1]
  Tensor labels;  ///< (n,), class indices 0..9
};

struct FashionMnist {
  LabelledImages train, test;
  static constexpr const char* kClassNames[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
};

/// Where the package puts the files; INITLAB_FASHION_MNIST overrides it.
std::string fashion_mnist_directory();
/// True when the four files are there.
bool fashion_mnist_available(const std::string& directory = fashion_mnist_directory());
/// Loads all four files. A missing or short file is an IoError naming the file,
/// the expected and found sizes, and the package that provides it.
FashionMnist load_fashion_mnist(const std::string& directory = fashion_mnist_directory());

}  // namespace initlab
