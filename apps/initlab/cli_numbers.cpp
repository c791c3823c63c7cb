#include "cli_numbers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "cli_text.hpp"
#include "initlab/core/suggest.hpp"

namespace initlab::app {
namespace {

std::string trimmed(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// A whole number in decimal: an optional sign, then digits only.
struct Whole {
  bool valid = false;     // the syntax of a whole number
  bool negative = false;
  bool overflow = false;  // beyond 2^64 − 1 in magnitude
  uint64_t magnitude = 0;
};

Whole parse_whole(const std::string& text) {
  Whole w;
  const std::string t = trimmed(text);
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) w.negative = t[i++] == '-';
  if (i == t.size()) return w;
  for (size_t k = i; k < t.size(); ++k) {
    if (!std::isdigit(static_cast<unsigned char>(t[k]))) return w;
  }
  w.valid = true;
  const auto [end, ec] = std::from_chars(t.data() + i, t.data() + t.size(), w.magnitude, 10);
  w.overflow = ec == std::errc::result_out_of_range;
  (void)end;
  return w;
}

constexpr uint64_t kUint64Max = std::numeric_limits<uint64_t>::max();

std::string integer_range_text(int64_t min, int64_t max) {
  if (max == std::numeric_limits<int64_t>::max()) return fmt::format("a whole number >= {}", min);
  return fmt::format("a whole number from {} to {}", min, max);
}

// The checks of integer_in, on text that CLI11 converts to a signed or an
// unsigned field; `max_u` is the upper bound when it exceeds int64's range.
CLI::Validator whole_number(int64_t min, int64_t max, uint64_t max_u, std::string range_text, std::string desc) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const Whole w = parse_whole(text);
        const std::string found = fmt::format("expected {}, found {}", range_text, in_quotes(text));
        if (!w.valid) {
          // "1e3" is a whole number written otherwise: say how to write it.
          const std::string t = trimmed(text);
          char* end = nullptr;
          const double d = std::strtod(t.c_str(), &end);
          if (!t.empty() && end == t.c_str() + t.size() && std::isfinite(d) && std::nearbyint(d) == d &&
              std::fabs(d) < 1e18) {
            return fmt::format("{} (write it in digits: {})", found, static_cast<int64_t>(d));
          }
          return found;
        }
        if (w.overflow) return found;
        // Compared in 128 bits: every int64 and uint64 bound and value fits.
        __extension__ typedef __int128 Wide;
        const Wide value = w.negative ? -static_cast<Wide>(w.magnitude) : static_cast<Wide>(w.magnitude);
        const Wide upper = max_u > 0 ? static_cast<Wide>(max_u) : static_cast<Wide>(max);
        if (value < min || value > upper) return found;
        if (value < 0) {
          text = "-" + std::to_string(w.magnitude);
          return {};
        }
        text = std::to_string(w.magnitude);  // decimal: CLI11 would read "010" as octal
        return {};
      },
      std::move(desc));
}

std::string bound_text(double x) { return readable_bound(x); }

}  // namespace

std::string readable_bound(double x) {
  if (x == static_cast<double>(std::numeric_limits<float>::max())) return "3.4e+38";
  if (std::nearbyint(x) == x && std::fabs(x) < 1e7) return fmt::format("{}", static_cast<int64_t>(x));
  return fmt::format("{:g}", x);
}

CLI::Validator integer_in(int64_t min, int64_t max) {
  return whole_number(min, max, 0, integer_range_text(min, max),
                      max == std::numeric_limits<int64_t>::max() ? fmt::format(">= {}", min)
                                                                : fmt::format("[{}, {}]", min, max));
}

CLI::Validator positive_size(int64_t max) { return integer_in(1, max); }

CLI::Validator seed_number() {
  return whole_number(0, 0, kUint64Max, "a whole number from 0 to 2^64-1", "[0, 2^64-1]");
}

namespace {

enum class Lower { kIncluded, kExcluded };

CLI::Validator real_number(double lo, Lower lower, double hi, std::string range_text, std::string desc) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        const std::string expected = fmt::format("expected {}, found {}", range_text, in_quotes(text));
        std::string t = trimmed(text);
        // from_chars takes no '+' (and no hexadecimal); a second sign is refused.
        const size_t i = !t.empty() && t[0] == '+' ? 1 : 0;
        if (i == t.size() || (i == 1 && (t[1] == '+' || t[1] == '-'))) return expected;
        double v = 0;
        const auto [end, ec] = std::from_chars(t.data() + i, t.data() + t.size(), v, std::chars_format::general);
        if (ec == std::errc::invalid_argument || end != t.data() + t.size()) return expected;
        if (ec == std::errc::result_out_of_range) {
          const double approx = std::strtod(t.c_str() + i, nullptr);
          return expected + (std::fabs(approx) >= 1 ? " (beyond the range of float32, ±3.4e+38)"
                                                    : " (too small for float32: it would be 0)");
        }
        if (std::isnan(v)) return expected;
        if (std::isinf(v)) return expected + " (not finite)";
        if (std::fabs(v) > std::numeric_limits<float>::max()) {
          return expected + " (beyond the range of float32, ±3.4e+38)";
        }
        if (v != 0 && static_cast<float>(v) == 0) return expected + " (too small for float32: it would be 0)";
        const bool below = lower == Lower::kIncluded ? v < lo : v <= lo;
        if (below || v > hi) return expected;
        text = fmt::format("{:a}", v);  // hexadecimal: CLI11's strtold reads back exactly this double
        return {};
      },
      std::move(desc));
}

}  // namespace

CLI::Validator finite_number_in(double lo, double hi) {
  constexpr double kFloatMax = std::numeric_limits<float>::max();
  lo = std::max(lo, -kFloatMax);
  hi = std::min(hi, kFloatMax);
  std::string range;
  if (lo == -kFloatMax && hi == kFloatMax) range = "a finite number";
  else if (hi == kFloatMax) range = fmt::format("a finite number >= {}", bound_text(lo));
  else if (lo == -kFloatMax) range = fmt::format("a finite number <= {}", bound_text(hi));
  else range = fmt::format("a finite number from {} to {}", bound_text(lo), bound_text(hi));
  return real_number(lo, Lower::kIncluded, hi, range, fmt::format("[{}, {}]", bound_text(lo), bound_text(hi)));
}

CLI::Validator positive_number(double hi) {
  hi = std::min(hi, static_cast<double>(std::numeric_limits<float>::max()));
  const bool capped = hi < std::numeric_limits<float>::max();
  const std::string range =
      capped ? fmt::format("a number > 0 and <= {}", bound_text(hi)) : std::string("a finite number > 0");
  return real_number(0, Lower::kExcluded, hi, range, capped ? fmt::format("(0, {}]", bound_text(hi)) : "> 0");
}

CLI::Validator one_of(std::vector<std::string> words) {
  std::string list;
  for (size_t i = 0; i < words.size(); ++i) {
    list += i == 0 ? "" : (i + 1 == words.size() ? " or " : ", ");
    list += words[i];
  }
  std::string desc = "{";
  for (size_t i = 0; i < words.size(); ++i) desc += (i ? "," : "") + words[i];
  desc += "}";
  return CLI::Validator(
      [words, list](std::string& text) -> std::string {
        for (const auto& w : words) {
          if (w.size() == text.size() &&
              std::equal(w.begin(), w.end(), text.begin(), [](char a, char b) {
                return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
              })) {
            text = w;  // Keras accepts "Adam" for "adam"
            return {};
          }
        }
        return fmt::format("expected {}, found {}{}", list, in_quotes(text), did_you_mean(text, words));
      },
      desc);
}

}  // namespace initlab::app
