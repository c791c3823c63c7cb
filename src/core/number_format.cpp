#include "initlab/core/number_format.hpp"

#include <fmt/format.h>

#include <cmath>

namespace initlab {

std::string pretty_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  const double a = std::fabs(x);
  if (a != 0 && (a < 1e-3 || a >= 1e6)) return fmt::format("{:.3g}", x);
  std::string s = fmt::format("{:.4f}", x);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

}  // namespace initlab
