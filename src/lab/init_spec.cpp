#include "initlab/lab/init_spec.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "initlab/core/error.hpp"
#include "initlab/core/suggest.hpp"
#include "initlab/init/registry.hpp"

namespace initlab {
namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\n\r"), e = s.find_last_not_of(" \t\n\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool is_id(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

const char* kShorthands =
    "the shorthand id(value) works for random_normal, truncated_normal (stddev), random_uniform (±value), "
    "constant, orthogonal and identity (gain), variance_scaling (scale)";

// The value between the parentheses: a finite number that float32 represents.
double shorthand_value(const std::string& spec, const std::string& text) {
  const std::string shown = text_excerpt(spec, 80);
  const size_t skip = !text.empty() && text[0] == '+' ? 1 : 0;
  double v = 0;
  const char* first = text.data() + skip;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, v, std::chars_format::general);
  if (text.empty() || (skip && (text.size() == 1 || text[1] == '-' || text[1] == '+')) ||
      ec == std::errc::invalid_argument || end != last) {
    throw ValueError(fmt::format("lab: '{}': expected a number between the parentheses, e.g. random_normal(0.05); "
                                 "found '{}'",
                                 shown, text_excerpt(text, 40)));
  }
  if (ec == std::errc::result_out_of_range || !std::isfinite(v) || std::fabs(v) > std::numeric_limits<float>::max()) {
    throw ValueError(fmt::format("lab: '{}': the value must be a finite number within float32's range (±3.4e+38)",
                                 shown));
  }
  if (v != 0 && static_cast<float>(v) == 0) {
    throw ValueError(fmt::format("lab: '{}': the value is too small for float32 (it would be 0)", shown));
  }
  return v;
}

}  // namespace

Initializer parse_initializer(const std::string& spec) {
  const std::string s = trim(spec);
  const size_t open = s.find('(');
  if (s.empty() || s[0] == '{' || open == std::string::npos) return Initializer::parse(spec);
  const std::string shown = text_excerpt(s, 80);
  if (s.back() != ')' || s.find(')') != s.size() - 1 || s.find('(', open + 1) != std::string::npos) {
    throw ValueError(fmt::format("lab: '{}': expected id(value), e.g. random_normal(0.05); {}", shown, kShorthands));
  }
  const std::string name = trim(s.substr(0, open));
  const std::string text = trim(s.substr(open + 1, s.size() - open - 2));
  if (!is_id(name)) {
    throw ValueError(fmt::format("lab: '{}': expected an initializer id before '(', e.g. random_normal(0.05)", shown));
  }
  const InitializerInfo* info = find_initializer(name);
  if (info == nullptr) (void)Initializer::parse(name);  // throws "unknown initializer …; did you mean …"
  if (info == nullptr) throw ConfigError(fmt::format("lab: '{}': unknown initializer", shown));
  const std::string& id = info->id;
  const double v = shorthand_value(s, text);
  nlohmann::json cfg;
  if (id == "random_normal" || id == "truncated_normal") {
    cfg = {{"class_name", id}, {"config", {{"stddev", v}}}};
  } else if (id == "random_uniform") {
    cfg = {{"class_name", id}, {"config", {{"minval", -v}, {"maxval", v}}}};
  } else if (id == "constant") {
    cfg = {{"class_name", id}, {"config", {{"value", v}}}};
  } else if (id == "orthogonal" || id == "identity") {
    cfg = {{"class_name", id}, {"config", {{"gain", v}}}};
  } else if (id == "variance_scaling") {
    cfg = {{"class_name", id}, {"config", {{"scale", v}}}};
  } else {
    throw ValueError(fmt::format("lab: '{}': {}", shown, kShorthands));
  }
  return Initializer::from_config(cfg);
}

}  // namespace initlab
