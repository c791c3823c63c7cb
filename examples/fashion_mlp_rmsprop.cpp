// Fashion-MNIST with a wider MLP and a custom initializer, as in Keras's
// classic example of passing a callable as kernel_initializer:
// Dense(128, relu) → Dense(10, softmax), both kernels drawn from N(0, 0.01²) by
// a C++ lambda, RMSprop, sparse categorical cross-entropy (integer labels),
// batch 32, 5 epochs. The same model as JSON: examples/configs/fashion_mlp_rmsprop.json.
#include <fmt/format.h>

#include <iostream>

#include "initlab/initlab.hpp"

int main() {
  using namespace initlab;
  try {
    set_seed(1234);
    const FashionMnist data = load_fashion_mnist();
    // Keras: def small_normal(shape, dtype=None): return keras.random.normal(shape, stddev=0.01)
    const Initializer small_normal = Initializer::from_callable(
        "small_normal", [](Tensor& t, const RandomStream& stream) { stream.fill_normal(t.values(), 0.0f, 0.01f); });
    Sequential model("fashion_mlp_rmsprop");
    model.add(Input(Shape{784}));
    model.add(Dense(128, {.activation = "relu", .kernel_initializer = small_normal}));
    model.add(Dense(10, {.activation = "softmax", .kernel_initializer = small_normal}));
    model.compile(RMSprop(), "sparse_categorical_crossentropy", {"accuracy"});
    std::cout << model.summary();
    const Tensor x_train = data.train.images.reshape(Shape{data.train.images.dim(0), 784});
    const Tensor x_test = data.test.images.reshape(Shape{data.test.images.dim(0), 784});
    model.fit(x_train, data.train.labels, {.batch_size = 32, .epochs = 5, .validation_split = 0.1});
    const Logs test = model.evaluate(x_test, data.test.labels);
    std::cout << fmt::format("test loss {:.4f}, test accuracy {:.2f}%\n", test.at("loss"), 100 * test.at("accuracy"));
  } catch (const Error& e) {
    std::cerr << "fashion_mlp_rmsprop: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
