#include "initlab/core/exact_json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "initlab/core/error.hpp"
#include "initlab/core/json_text.hpp"

namespace initlab {

nlohmann::json exact_json(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return value;
}

double exact_double(const nlohmann::json& value, const std::string& what) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
  }
  throw FormatError(fmt::format("{}: expected a number (or \"nan\", \"inf\", \"-inf\"), found {}", what, json_excerpt(value)));
}

nlohmann::json exact_json(const std::vector<double>& values) {
  nlohmann::json out = nlohmann::json::array();
  for (double v : values) out.push_back(exact_json(v));
  return out;
}

std::vector<double> exact_doubles(const nlohmann::json& value, const std::string& what) {
  if (!value.is_array()) throw FormatError(fmt::format("{}: expected an array of numbers, found {}", what, json_excerpt(value)));
  std::vector<double> out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) out.push_back(exact_double(value[i], fmt::format("{}[{}]", what, i)));
  return out;
}

}  // namespace initlab
