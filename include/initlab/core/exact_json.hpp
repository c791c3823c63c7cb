// Numbers in JSON that read back to the same bits: doubles as nlohmann writes
// them (17 significant digits, so strtod gives the same double back), and the
// values JSON has no number for as the strings "nan", "inf" and "-inf".
// Checkpoint states use these, so a loss that was NaN comes back NaN.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace initlab {

nlohmann::json exact_json(double value);
/// The double exact_json wrote; FormatError "<what>: expected a number, found ..." otherwise.
double exact_double(const nlohmann::json& value, const std::string& what);

nlohmann::json exact_json(const std::vector<double>& values);
std::vector<double> exact_doubles(const nlohmann::json& value, const std::string& what);

}  // namespace initlab
