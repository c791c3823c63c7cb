// CSV tables (a training job's {"name": "csv", ...} data set): parse_csv on
// the text and load_csv on a file holding it, with the label column "label"
// and with the header's first name.
//
// Invariant: a table read has one label per row and a feature name per column.
#include <cstddef>
#include <cstdint>
#include <string>

#include "initlab/data/csv.hpp"
#include "support.hpp"

using namespace initlab;

namespace {

void check(const CsvTable& t) {
  if (t.x.shape().rank() != 2 || t.y.shape().rank() != 2 || t.x.dim(0) != t.y.dim(0) || t.y.dim(1) != 1 ||
      static_cast<size_t>(t.x.dim(1)) != t.feature_names.size()) {
    fuzz::invariant_failed("a CSV table's shapes disagree",
                           "x " + t.x.shape().str() + ", y " + t.y.shape().str() + ", " +
                               std::to_string(t.feature_names.size()) + " feature names");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::init_target();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string first = text.substr(0, text.find_first_of(",\r\n"));
  fuzz::refused_ok([&] { check(parse_csv(text, "label", "fuzz.csv")); });
  if (!first.empty() && first != "label") fuzz::refused_ok([&] { check(parse_csv(text, first, "fuzz.csv")); });
  const std::string path = fuzz::scratch_file(".csv", data, size);
  fuzz::refused_ok([&] { check(load_csv(path, "label")); });
  return 0;
}
