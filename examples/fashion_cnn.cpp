// Fashion-MNIST with a small CNN, as in Keras's classic example:
// Conv2D(32, 3×3, relu, he_uniform) → MaxPooling2D(2) → Flatten →
// Dense(10, softmax, he_uniform), SGD(0.01), categorical cross-entropy, batch 32, 3 epochs.
#include <fmt/format.h>

#include <iostream>

#include "initlab/initlab.hpp"

int main() {
  using namespace initlab;
  try {
    set_seed(1234);
    const FashionMnist data = load_fashion_mnist();
    Sequential model("fashion_cnn");
    model.add(Input(Shape{28, 28, 1}));
    model.add(Conv2D(32, {3, 3}, {.activation = "relu", .kernel_initializer = "he_uniform"}));
    model.add(MaxPooling2D({2, 2}));
    model.add(Flatten());
    model.add(Dense(10, {.activation = "softmax", .kernel_initializer = "he_uniform"}));
    model.compile(SGD({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});
    std::cout << model.summary();
    model.fit(data.train.images, one_hot(data.train.labels, 10), {.batch_size = 32, .epochs = 3});
    const Logs test = model.evaluate(data.test.images, one_hot(data.test.labels, 10));
    std::cout << fmt::format("test loss {:.4f}, test accuracy {:.2f}%\n", test.at("loss"), 100 * test.at("accuracy"));
  } catch (const Error& e) {
    std::cerr << "fashion_cnn: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
