#include "lab/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace initlab::svg {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Layout of a line chart, in px.
constexpr int kMarginLeft = 70, kMarginTop = 36, kMarginBottom = 50, kLegendWidth = 210;
constexpr int kLegendRow = 18;
constexpr size_t kLegendChars = 26;  // longer names are cut, the full name stays in the tooltip

std::string px(double v) { return fmt::format("{:.1f}", v); }

// "10⁻³" for a decade of a log axis.
std::string decade_label(int k) {
  if (k == 0) return "1";
  if (k == 1) return "10";
  static const std::array<const char*, 10> sup = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string s = "10";
  if (k < 0) s += "⁻";
  for (char c : std::to_string(std::abs(k))) s += sup[static_cast<size_t>(c - '0')];
  return s;
}

struct Ticks {
  double lo, hi;
  std::vector<double> at;
};

// Ticks at 1, 2 or 5 × 10^k, covering [lo, hi] with about `target` intervals.
Ticks nice_ticks(double lo, double hi, int target, bool integer) {
  if (!(hi > lo)) {
    const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  if (integer) step = std::max(1.0, std::round(step));
  Ticks t{std::floor(lo / step) * step, std::ceil(hi / step) * step, {}};
  for (double v = t.lo; v <= t.hi + step * 1e-9; v += step) t.at.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  return t;
}

std::string cut(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  size_t k = n - 1;
  while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;  // not inside a UTF-8 sequence
  return s.substr(0, k) + "…";
}

// The 3-stop blue ramp of heat_color: t in [0, 1].
std::string ramp(double t) {
  struct Rgb { double r, g, b; };
  static constexpr std::array<Rgb, 4> stops = {{{222, 235, 247}, {107, 174, 214}, {8, 119, 189}, {8, 48, 107}}};
  t = std::clamp(t, 0.0, 1.0) * (stops.size() - 1);
  const size_t i = std::min(static_cast<size_t>(t), stops.size() - 2);
  const double f = t - static_cast<double>(i);
  auto mix = [&](double a, double b) { return static_cast<int>(std::lround(a + (b - a) * f)); };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(stops[i].r, stops[i + 1].r), mix(stops[i].g, stops[i + 1].g),
                     mix(stops[i].b, stops[i + 1].b));
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string palette_color(size_t i) {
  static const std::array<const char*, 10> tableau10 = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                                        "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return tableau10[i % tableau10.size()];
}

std::string palette_dash(size_t i) {
  static const std::array<const char*, 4> dashes = {"", "6 3", "2 2", "8 3 2 3"};
  return dashes[(i / 10) % dashes.size()];
}

std::string short_number(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "∞" : "−∞";
  if (x == 0) return "0";
  const double a = std::fabs(x);
  if (a >= 1e-3 && a < 1e5) {
    std::string s = fmt::format("{:.3g}", x);
    return s;
  }
  return fmt::format("{:.2e}", x);
}

std::string line_chart(const LineChart& chart, const std::vector<Series>& series) {
  // ---- ranges -------------------------------------------------------------
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  bool any_zero = false, any_gap = false, any_point = false;
  for (const Series& s : series) {
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      const double x = s.x[i], y = s.y[i];
      if (!std::isfinite(x)) continue;
      if (!std::isfinite(y) || (chart.log_y && y < 0)) {
        any_gap = true;
        continue;
      }
      x_lo = std::min(x_lo, x);
      x_hi = std::max(x_hi, x);
      if (chart.log_y && y == 0) {
        any_zero = true;
        continue;
      }
      any_point = true;
      y_lo = std::min(y_lo, y);
      y_hi = std::max(y_hi, y);
    }
  }
  if (!std::isfinite(x_lo)) x_lo = 0, x_hi = 1;
  const Ticks xt = nice_ticks(x_lo, x_hi, 10, chart.integer_x);

  std::vector<double> y_ticks;
  std::vector<std::string> y_tick_labels;
  double ya = 0, yb = 1;  // the axis range: linear values, or decades for log_y
  if (chart.log_y) {
    int lo = any_point ? static_cast<int>(std::floor(std::log10(y_lo))) : -3;
    int hi = any_point ? static_cast<int>(std::ceil(std::log10(y_hi))) : 0;
    if (hi <= lo) hi = lo + 1;
    if (any_zero) --lo;  // one decade below the data: the floor where zeros sit
    ya = lo, yb = hi;
    const int step = std::max(1, (hi - lo + 7) / 8);
    for (int k = hi; k >= lo; k -= step) {
      y_ticks.push_back(k);
      y_tick_labels.push_back(decade_label(k));
    }
  } else {
    double lo = std::isnan(chart.y_min) ? (any_point ? y_lo : 0) : chart.y_min;
    double hi = std::isnan(chart.y_max) ? (any_point ? y_hi : 1) : chart.y_max;
    const Ticks t = nice_ticks(lo, hi, 5, false);
    ya = std::isnan(chart.y_min) ? t.lo : chart.y_min;
    yb = std::isnan(chart.y_max) ? t.hi : chart.y_max;
    for (double v : t.at) {
      if (v < ya - 1e-12 || v > yb + 1e-12) continue;
      y_ticks.push_back(v);
      y_tick_labels.push_back(chart.percent_y ? fmt::format("{:g}%", v * 100) : short_number(v));
    }
  }

  // ---- geometry -----------------------------------------------------------
  const int legend_rows = static_cast<int>(series.size()) + (any_zero ? 1 : 0) + (any_gap ? 1 : 0);
  const int height = std::max(chart.height, kMarginTop + 16 + legend_rows * kLegendRow + 10);
  const double left = kMarginLeft, top = kMarginTop;
  const double w = chart.width - kMarginLeft - kLegendWidth - 16, h = height - kMarginTop - kMarginBottom;
  auto sx = [&](double x) { return left + w * (x - xt.lo) / (xt.hi - xt.lo); };
  auto sy_axis = [&](double a) { return top + h * (yb - a) / (yb - ya); };  // a: value or decade
  auto sy = [&](double y) { return chart.log_y ? (y == 0 ? top + h : sy_axis(std::log10(y))) : sy_axis(y); };
  auto value_text = [&](double y) { return chart.percent_y ? fmt::format("{:.2f}%", y * 100) : short_number(y); };

  std::string o = fmt::format(
      R"(<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {1}" width="{0}" height="{1}" role="img">)"
      "\n<title>{2}</title>\n",
      chart.width, height, escape(chart.title));
  o += fmt::format(R"(<text class="chart-title" x="{}" y="20">{}</text>)"
                   "\n",
                   px(left), escape(chart.title));
  // Grid and axes.
  o += "<g class=\"grid\">";
  for (size_t i = 0; i < y_ticks.size(); ++i) {
    const double y = sy_axis(y_ticks[i]);
    o += fmt::format(R"(<line x1="{0}" x2="{1}" y1="{2}" y2="{2}"/>)", px(left), px(left + w), px(y));
  }
  for (double x : xt.at) o += fmt::format(R"(<line x1="{0}" x2="{0}" y1="{1}" y2="{2}"/>)", px(sx(x)), px(top), px(top + h));
  o += "</g>\n<g class=\"axis\">";
  o += fmt::format(R"(<line x1="{0}" x2="{0}" y1="{1}" y2="{2}"/><line x1="{0}" x2="{3}" y1="{2}" y2="{2}"/>)", px(left),
                   px(top), px(top + h), px(left + w));
  for (size_t i = 0; i < y_ticks.size(); ++i) {
    o += fmt::format(R"(<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>)", px(left - 6),
                     px(sy_axis(y_ticks[i])), escape(y_tick_labels[i]));
  }
  for (double x : xt.at) {
    o += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", px(sx(x)), px(top + h + 16),
                     chart.integer_x ? fmt::format("{}", static_cast<long long>(std::llround(x))) : short_number(x));
  }
  o += fmt::format(R"(<text class="axis-title" x="{}" y="{}" text-anchor="middle">{}</text>)", px(left + w / 2),
                   px(top + h + 38), escape(chart.x_label));
  o += fmt::format(R"~(<text class="axis-title" transform="translate(16 {}) rotate(-90)" text-anchor="middle">{}</text>)~",
                   px(top + h / 2), escape(chart.y_label + (chart.log_y ? " (log scale)" : "")));
  if (chart.log_y && any_zero) {
    o += fmt::format(R"(<text class="floor-note" x="{}" y="{}">▽ = 0</text>)", px(left + 4), px(top + h - 5));
  }
  o += "</g>\n";
  if (!any_point && !any_zero) {
    o += fmt::format(R"(<text class="empty" x="{}" y="{}" text-anchor="middle">no finite values to draw</text>)" "\n",
                     px(left + w / 2), px(top + h / 2));
  }

  // Series.
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const std::string name = escape(s.name);
    o += fmt::format(R"(<g class="series" data-series="{}"><title>{}</title>)", k, name);
    std::string d, marks;
    bool pen_down = false;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      const double x = s.x[i], y = s.y[i];
      const std::string where = i < s.point_labels.size() && !s.point_labels[i].empty()
                                    ? escape(s.point_labels[i])
                                    : fmt::format("{} = {}", escape(chart.x_label), short_number(x));
      if (!std::isfinite(x) || !std::isfinite(y) || (chart.log_y && y < 0)) {
        pen_down = false;
        continue;
      }
      const double X = sx(x), Y = sy(y);
      d += fmt::format("{}{} {}", pen_down ? " L" : (d.empty() ? "M" : " M"), px(X), px(Y));
      pen_down = true;
      if (chart.log_y && y == 0) {
        marks += fmt::format(
            R"(<path class="zero" d="M{} {} l4 -7 h-8 z" fill="white" stroke="{}"><title>{} — {}: exactly 0 (drawn at the axis floor; a log scale has no 0)</title></path>)",
            px(X), px(Y), s.color, name, where);
      } else {
        marks += fmt::format(R"(<circle cx="{}" cy="{}" r="3" fill="{}"><title>{} — {}: {}</title></circle>)", px(X),
                             px(Y), s.color, name, where, value_text(y));
      }
    }
    if (!d.empty()) {
      o += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="2"{}/>)", d, s.color,
                       s.dash.empty() ? "" : fmt::format(R"( stroke-dasharray="{}")", s.dash));
    }
    o += marks + "</g>\n";
  }

  // Legend.
  const double lx = chart.width - kLegendWidth;
  double ly = top + 8;
  o += "<g class=\"legend\">";
  for (const Series& s : series) {
    o += fmt::format(
        R"(<g><title>{0}</title><line x1="{1}" x2="{2}" y1="{3}" y2="{3}" stroke="{4}" stroke-width="3"{5}/><circle cx="{6}" cy="{3}" r="3" fill="{4}"/><text x="{7}" y="{3}" dominant-baseline="middle">{8}</text></g>)",
        escape(s.name), px(lx), px(lx + 22), px(ly), s.color,
        s.dash.empty() ? "" : fmt::format(R"( stroke-dasharray="{}")", s.dash), px(lx + 11), px(lx + 28),
        escape(cut(s.name, kLegendChars)));
    ly += kLegendRow;
  }
  if (any_zero) {
    o += fmt::format(
        R"(<g><title>A value of exactly 0 cannot be drawn on a log scale; it is drawn at the bottom of the axis.</title><path d="M{} {} l4 -7 h-8 z" fill="white" stroke="#555"/><text x="{}" y="{}" dominant-baseline="middle">exactly 0, at the floor</text></g>)",
        px(lx + 11), px(ly + 4), px(lx + 28), px(ly));
    ly += kLegendRow;
  }
  if (any_gap) {
    o += fmt::format(
        R"(<g><title>NaN or infinite values are not drawn: the line has a gap there.</title><text x="{}" y="{}" dominant-baseline="middle">gaps: NaN or ∞, not drawn</text></g>)",
        px(lx + 28), px(ly));
  }
  o += "</g>\n</svg>\n";
  return o;
}

std::string heat_color(double fraction) {
  if (!(fraction > 0)) return "#ffffff";
  // log(1 + 100 f) / log(101): 1 % → 0.15, 5 % → 0.39, 25 % → 0.70, 100 % → 1.
  constexpr double kContrast = 100;
  return ramp(0.08 + 0.92 * std::log1p(kContrast * std::min(fraction, 1.0)) / std::log1p(kContrast));
}

std::string heat_legend() {
  constexpr int kWidth = 260, kBar = 200, kLeft = 10;
  std::string o = fmt::format(
      R"(<svg class="heat-legend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} 42" width="{0}" height="42" role="img"><title>Colour: fraction of the layer's samples in the bin</title>)",
      kWidth);
  constexpr int kSteps = 50;
  for (int i = 0; i < kSteps; ++i) {
    // Invert the scale so the bar is even in colour: position p ↔ fraction f.
    const double p = (i + 0.5) / kSteps;
    const double f = std::expm1(p * std::log1p(100.0)) / 100.0;
    o += fmt::format(R"(<rect x="{}" y="4" width="{}" height="14" fill="{}"/>)", px(kLeft + kBar * i / double(kSteps)),
                     px(kBar / double(kSteps) + 0.5), heat_color(f));
  }
  for (double f : {0.0, 0.01, 0.05, 0.25, 1.0}) {
    const double p = std::log1p(100 * f) / std::log1p(100.0);
    o += fmt::format(R"(<text x="{}" y="32" text-anchor="middle">{:g}%</text>)", px(kLeft + kBar * p), f * 100);
  }
  o += "</svg>";
  return o;
}

std::string heatmap(const Heatmap& map, const std::vector<HeatmapRow>& rows) {
  constexpr double kLabel = 78, kRange = 118, kRowH = 11, kTop = 26, kPlotW = 190;
  const double height = kTop + kRowH * std::max<size_t>(rows.size(), 1) + 8;
  const double width = kLabel + kPlotW + kRange;
  const std::string value = escape(map.value);
  std::string o = fmt::format(
      R"(<svg class="heatmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {1}" width="{0}" height="{1}" role="img">)"
      "<title>{2}</title>",
      width, px(height), escape(map.title));
  o += fmt::format(
      R"(<rect x="0" y="6" width="12" height="12" rx="2" fill="{}"/><text class="chart-title" x="18" y="16">{}</text>)",
      map.color, escape(cut(map.title, 40)));
  if (rows.empty()) {
    o += fmt::format(R"(<text class="empty" x="{}" y="{}">no layers recorded</text>)", kLabel, kTop + 9);
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    const HeatmapRow& row = rows[r];
    const double y = kTop + kRowH * static_cast<double>(r);
    const std::string label = escape(row.label);
    const std::string range = fmt::format("{} … {}", short_number(row.lo), short_number(row.hi));
    o += fmt::format(R"(<text class="row-label" x="{}" y="{}" text-anchor="end" dominant-baseline="middle">{}</text>)",
                     kLabel - 4, px(y + kRowH / 2), escape(cut(row.label, 12)));
    o += fmt::format(R"(<text class="row-range" x="{}" y="{}" dominant-baseline="middle">{}</text>)", kLabel + kPlotW + 4,
                     px(y + kRowH / 2), escape(range));
    double total = 0;
    for (double c : row.counts) total += std::max(c, 0.0);
    if (row.counts.empty() || !(total > 0)) {
      o += fmt::format(
          R"(<rect x="{}" y="{}" width="{}" height="{}" fill="#eeeeee"><title>{}: no samples recorded</title></rect>)",
          kLabel, px(y), kPlotW, px(kRowH - 1), label);
      continue;
    }
    const double bins = static_cast<double>(row.counts.size());
    const double cw = kPlotW / bins, bin_w = (row.hi - row.lo) / bins;
    for (size_t b = 0; b < row.counts.size(); ++b) {
      const double f = std::max(row.counts[b], 0.0) / total;
      const double b_lo = row.lo + bin_w * static_cast<double>(b), b_hi = b_lo + bin_w;
      o += fmt::format(
          R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {} in [{}, {}]: {:.2f}% ({:g} of {:g})</title></rect>)",
          px(kLabel + cw * static_cast<double>(b)), px(y), px(cw + 0.3), px(kRowH - 1), heat_color(f), label, value,
          short_number(b_lo), short_number(b_hi), f * 100, row.counts[b], total);
    }
    if (row.lo < 0 && row.hi > 0) {  // where 0 falls in this row's range
      const double x0 = kLabel + kPlotW * (0 - row.lo) / (row.hi - row.lo);
      o += fmt::format(R"(<line class="zero-tick" x1="{0}" x2="{0}" y1="{1}" y2="{2}"/>)", px(x0), px(y), px(y + kRowH - 1));
    }
  }
  o += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#bbb"/>)", kLabel, kTop - 0.5,
                   kPlotW, px(kRowH * std::max<size_t>(rows.size(), 1)));
  o += "</svg>";
  return o;
}

}  // namespace initlab::svg
