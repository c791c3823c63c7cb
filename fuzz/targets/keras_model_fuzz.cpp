// Keras model JSON, the path `initlab lint` and `initlab train` take: the text
// is parsed, read as a Sequential (Keras 3, tf-keras 2.x, legacy entries),
// built, summarized and checked by the init advisor. A training job's
// {"model": ..., "training": {...}} form is read too, with the training
// section's optimizer, loss and metrics in Keras's forms.
#include <cstddef>
#include <cstdint>
#include <string>

#include "initlab/diag/advisor.hpp"
#include "initlab/io/json_value.hpp"
#include "initlab/io/keras_model.hpp"
#include "support.hpp"

using namespace initlab;

namespace {

void lint(KerasModel& k) {
  Sequential& model = k.model;
  // lint asks for --input-shape when the file gives none: try a small one.
  if (!model.input_shape()) model.build(Shape{8});
  const std::vector<Advice> advice = advise(model);
  (void)format_advice(advice);
  (void)model.summary();
}

void training_section(const JsonValue& training) {
  if (!training.is_object()) return;
  if (auto v = training.find("optimizer")) fuzz::refused_ok([&] { (void)keras_optimizer(*v); });
  if (auto v = training.find("loss")) fuzz::refused_ok([&] { (void)keras_loss(*v); });
  if (auto v = training.find("metrics")) fuzz::refused_ok([&] { (void)keras_metrics(*v); });
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  fuzz::refused_ok([&] {
    const nlohmann::json doc = parse_json(text, "fuzz.json");
    const JsonValue root(doc, "fuzz.json");
    if (root.is_object() && root.has("model")) {
      fuzz::refused_ok([&] {
        KerasModel k = keras_model_from_json(root.at("model"));
        lint(k);
      });
      if (auto t = root.find("training")) training_section(*t);
      return;
    }
    if (root.is_object()) {
      if (auto t = root.find("training")) training_section(*t);
    }
    KerasModel k = keras_model_from_json(doc, "fuzz.json");
    lint(k);
  });
  return 0;
}
