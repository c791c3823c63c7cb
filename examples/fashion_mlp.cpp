// Fashion-MNIST with a small MLP, as in Keras's classic example:
// Flatten → Dense(64, relu, glorot_uniform) → Dense(10, softmax), Adam(1e-3),
// categorical cross-entropy, batch 128, 5 epochs, pixels scaled to [0, 1].
#include <fmt/format.h>

#include <iostream>

#include "initlab/initlab.hpp"

int main() {
  using namespace initlab;
  try {
    set_seed(1234);
    const FashionMnist data = load_fashion_mnist();
    Sequential model("fashion_mlp");
    model.add(Input(Shape{28, 28, 1}));
    model.add(Flatten());
    model.add(Dense(64, {.activation = "relu", .kernel_initializer = "glorot_uniform"}));
    model.add(Dense(10, {.activation = "softmax", .kernel_initializer = "glorot_uniform"}));
    model.compile(Adam({.learning_rate = 1e-3}), "categorical_crossentropy", {"accuracy"});
    std::cout << model.summary();
    model.fit(data.train.images, one_hot(data.train.labels, 10), {.batch_size = 128, .epochs = 5});
    const Logs test = model.evaluate(data.test.images, one_hot(data.test.labels, 10));
    std::cout << fmt::format("test loss {:.4f}, test accuracy {:.2f}%\n", test.at("loss"), 100 * test.at("accuracy"));
  } catch (const Error& e) {
    std::cerr << "fashion_mlp: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
