// A consumer of initlab: a seeded Dense network, one fit, its weights saved
// and restored, and the numbers printed so that the three builds can be
// compared with each other.
#include <cstdio>
#include <filesystem>
#include <initlab/initlab.hpp>
#include <initlab/io/model_file.hpp>

int main() {
  initlab::set_seed(1234);
  initlab::Sequential model("consumer");
  model.add(initlab::Input(initlab::Shape{2}));
  model.add(initlab::Dense(4, {.activation = "tanh", .kernel_initializer = "he_normal"}));
  model.add(initlab::Dense(1, {.activation = "sigmoid"}));
  model.compile(initlab::Adam({.learning_rate = 0.05}), "binary_crossentropy");
  initlab::Tensor x(initlab::Shape{4, 2}, {0, 0, 0, 1, 1, 0, 1, 1});
  initlab::Tensor y(initlab::Shape{4, 1}, {0, 1, 1, 0});
  model.fit(x, y, {.batch_size = 4, .epochs = 20, .verbose = initlab::Verbosity::kSilent, .shuffle = false});
  const std::string path = (std::filesystem::temp_directory_path() / "initlab_consumer.safetensors").string();
  initlab::save_weights(model, path);
  initlab::set_seed(99);
  initlab::Sequential again("consumer");
  again.add(initlab::Input(initlab::Shape{2}));
  again.add(initlab::Dense(4, {.activation = "tanh"}));
  again.add(initlab::Dense(1, {.activation = "sigmoid"}));
  initlab::load_weights(again, path);
  std::filesystem::remove(path);
  const initlab::Tensor a = model.predict(x), b = again.predict(x);
  for (int64_t i = 0; i < 4; ++i) {
    if (a[i] != b[i]) return 1;
    std::printf("%.9g\n", static_cast<double>(a[i]));
  }
  return 0;
}
