// A tiny inline-SVG chart builder for self-contained HTML reports: line
// charts (linear or log-scale y) with axes, ticks, titles and a legend, and
// histogram heatmaps (rows = layers, columns = bins) for small multiples.
// Every point and cell carries a <title>, which browsers show as a tooltip.
#pragma once

#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace initlab::svg {

/// Escapes & < > " ' for HTML and XML text and attribute values.
std::string escape(std::string_view text);

/// Tableau 10: distinct hues, readable on white, mostly colour-blind safe.
/// `i` wraps around; `dash(i)` tells the wrapped series apart.
std::string palette_color(size_t i);
/// "" for the first ten series, then a dash pattern for each further lap.
std::string palette_dash(size_t i);

/// A compact number for ticks and tooltips: 3 significant digits (0.0123, 1.2e-05, 42).
std::string short_number(double x);

struct Series {
  std::string name;
  std::string color;
  std::string dash;  ///< stroke-dasharray; empty: solid
  std::vector<double> x, y;
  /// Per point, what the tooltip calls it ("dense_3"); empty: "x = …".
  std::vector<std::string> point_labels;
};

struct LineChart {
  std::string title;
  std::string x_label, y_label;
  bool log_y = false;    ///< zeros are drawn at the axis floor with a ▽ marker; NaN and ±inf leave a gap
  bool integer_x = false;
  bool percent_y = false;  ///< y in [0, 1] shown as a percentage
  double y_min = std::numeric_limits<double>::quiet_NaN();  ///< fixed range (linear y); NaN: from the data
  double y_max = std::numeric_limits<double>::quiet_NaN();
  int width = 760;
  int height = 340;
};

/// The chart as an <svg> element.
std::string line_chart(const LineChart& chart, const std::vector<Series>& series);

struct HeatmapRow {
  std::string label;  ///< the layer
  double lo = 0, hi = 0;
  std::vector<double> counts;  ///< per bin
};

struct Heatmap {
  std::string title;  ///< the initializer
  std::string color;  ///< its swatch
  std::string value;  ///< what the bins count, for tooltips ("a", "∂L/∂z")
};

/// Rows = layers, columns = bins, colour = fraction of the row's samples in
/// the bin (see heat_color); each row is labelled with its own lo … hi range
/// and a tick where 0 falls.
std::string heatmap(const Heatmap& map, const std::vector<HeatmapRow>& rows);

/// The colour of a cell holding `fraction` of the samples (white for none,
/// then light to dark blue on a log-like scale so 1 % is visible next to 100 %).
std::string heat_color(double fraction);

/// A horizontal colour bar explaining heat_color.
std::string heat_legend();

}  // namespace initlab::svg
