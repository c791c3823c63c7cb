#include "initlab/data/playground.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "initlab/core/error.hpp"
#include "initlab/core/memory_budget.hpp"
#include "initlab/core/random_stream.hpp"

namespace initlab {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Draws from one stream in a fixed order: uniform(i) and normal(i) by a running index.
class Draws {
 public:
  explicit Draws(const RandomStream& s) : s_(s) {}
  double uniform(double lo, double hi) { return lo + (hi - lo) * s_.uniform(next_++); }
  double normal(double mean, double variance) { return mean + std::sqrt(variance) * s_.normal(next_++); }

 private:
  RandomStream s_;
  uint64_t next_ = 0;
};

struct Point {
  double x, y, label;
};

std::vector<Point> circle(int64_t n, double noise, Draws& d) {
  std::vector<Point> pts;
  const double radius = 5;
  auto label = [&](double x, double y) { return std::hypot(x, y) < radius * 0.5 ? 1.0 : -1.0; };
  for (int part = 0; part < 2; ++part) {
    for (int64_t i = 0; i < n / 2; ++i) {
      const double r = part == 0 ? d.uniform(0, radius * 0.5) : d.uniform(radius * 0.7, radius);
      const double angle = d.uniform(0, 2 * kPi);
      const double x = r * std::sin(angle), y = r * std::cos(angle);
      const double nx = d.uniform(-radius, radius) * noise, ny = d.uniform(-radius, radius) * noise;
      pts.push_back({x, y, label(x + nx, y + ny)});
    }
  }
  return pts;
}

std::vector<Point> xor_set(int64_t n, double noise, Draws& d) {
  std::vector<Point> pts;
  constexpr double kPadding = 0.3;
  for (int64_t i = 0; i < n; ++i) {
    double x = d.uniform(-5, 5), y = d.uniform(-5, 5);
    x += x > 0 ? kPadding : -kPadding;
    y += y > 0 ? kPadding : -kPadding;
    const double nx = d.uniform(-5, 5) * noise, ny = d.uniform(-5, 5) * noise;
    pts.push_back({x, y, (x + nx) * (y + ny) >= 0 ? 1.0 : -1.0});
  }
  return pts;
}

std::vector<Point> gauss(int64_t n, double noise, Draws& d) {
  std::vector<Point> pts;
  const double variance = 0.5 + (4.0 - 0.5) * noise / 0.5;  // Playground's linear map of noise to variance
  for (const auto& [cx, cy, label] : {std::tuple{2.0, 2.0, 1.0}, std::tuple{-2.0, -2.0, -1.0}}) {
    for (int64_t i = 0; i < n / 2; ++i) {
      const double x = d.normal(cx, variance), y = d.normal(cy, variance);
      pts.push_back({x, y, label});
    }
  }
  return pts;
}

std::vector<Point> spiral(int64_t n, double noise, Draws& d) {
  std::vector<Point> pts;
  const int64_t half = n / 2;
  for (const auto& [delta, label] : {std::pair{0.0, 1.0}, std::pair{kPi, -1.0}}) {
    for (int64_t i = 0; i < half; ++i) {
      const double r = static_cast<double>(i) / static_cast<double>(half) * 5;
      const double t = 1.75 * static_cast<double>(i) / static_cast<double>(half) * 2 * kPi + delta;
      const double x = r * std::sin(t) + d.uniform(-1, 1) * noise;
      const double y = r * std::cos(t) + d.uniform(-1, 1) * noise;
      pts.push_back({x, y, label});
    }
  }
  return pts;
}

std::vector<Point> regression(int64_t n, double noise, Draws& d, bool plane) {
  std::vector<Point> pts;
  constexpr double kRadius = 6;
  // (x, y, sign) of the six bumps of reg-gauss.
  const double bumps[6][3] = {{-4, 2.5, 1}, {0, 2.5, -1}, {4, 2.5, 1}, {-4, -2.5, -1}, {0, -2.5, 1}, {4, -2.5, -1}};
  for (int64_t i = 0; i < n; ++i) {
    const double x = d.uniform(-kRadius, kRadius), y = d.uniform(-kRadius, kRadius);
    const double nx = d.uniform(-kRadius, kRadius) * noise, ny = d.uniform(-kRadius, kRadius) * noise;
    const double px = x + nx, py = y + ny;
    double target = 0;
    if (plane) {
      target = (px + py) / 10;  // [−10, 10] mapped linearly to [−1, 1]
    } else {
      for (const auto& b : bumps) {
        const double v = b[2] * std::clamp(1 - std::hypot(px - b[0], py - b[1]) / 2, 0.0, 1.0);
        if (std::fabs(v) > std::fabs(target)) target = v;
      }
    }
    pts.push_back({x, y, target});
  }
  return pts;
}

PlaygroundSet to_set(const std::vector<Point>& pts, const std::vector<int64_t>& order, int64_t lo, int64_t hi) {
  PlaygroundSet s{Tensor(Shape{hi - lo, 2}), Tensor(Shape{hi - lo, 1})};
  for (int64_t i = lo; i < hi; ++i) {
    const Point& p = pts[static_cast<size_t>(order[static_cast<size_t>(i)])];
    s.x.at({i - lo, 0}) = static_cast<float>(p.x);
    s.x.at({i - lo, 1}) = static_cast<float>(p.y);
    s.y[i - lo] = static_cast<float>(p.label);
  }
  return s;
}

}  // namespace

std::vector<std::string> playground_dataset_names() {
  return {"circle", "xor", "gauss", "spiral", "reg-plane", "reg-gauss"};
}

PlaygroundData playground_dataset(const std::string& name, const PlaygroundOptions& o) {
  const auto names = playground_dataset_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    throw ValueError(fmt::format("unknown playground data set '{}' (expected one of {})", name, fmt::join(names, ", ")));
  }
  if (!(o.noise >= 0 && o.noise <= 0.8)) {
    throw ValueError(fmt::format("playground data: noise must be in [0, 0.8] (Playground's slider / 100), got {}", o.noise));
  }
  if (!(o.train_fraction > 0 && o.train_fraction < 1)) {
    throw ValueError(fmt::format("playground data: train_fraction must be in (0, 1), got {}", o.train_fraction));
  }
  if (o.samples < 0) {
    throw ValueError(fmt::format("playground data: samples must be >= 0 (0: Playground's count), got {}", o.samples));
  }
  PlaygroundData data;
  data.classification = name.rfind("reg-", 0) != 0;
  const int64_t n = o.samples > 0 ? o.samples : (data.classification ? 500 : 1200);
  // The points, the shuffle order and the x, y tensors, before any is made.
  require_memory(bytes_of(static_cast<uint64_t>(n), sizeof(Point) + sizeof(int64_t) + 3 * sizeof(float)),
                 fmt::format("playground data set '{}' with {} samples", name, n));
  // circle, gauss and spiral draw two halves of n / 2 points.
  const bool halves = name == "circle" || name == "gauss" || name == "spiral";
  const int64_t made = halves ? n / 2 * 2 : n;
  const auto train_of = [&](int64_t count) {
    return static_cast<int64_t>(std::floor(static_cast<double>(count) * o.train_fraction));
  };
  if (train_of(made) < 1 || train_of(made) >= made) {
    int64_t needed = 0;
    for (int64_t m = 2; m <= (int64_t{1} << 20) && needed == 0; m += halves ? 2 : 1) {
      if (train_of(m) >= 1 && train_of(m) < m) needed = m;
    }
    throw ValueError(fmt::format("playground data: {} sample{} with train_fraction {} leave {} for training and {} for "
                                 "testing; {}",
                                 o.samples > 0 ? o.samples : n, n == 1 ? "" : "s", o.train_fraction,
                                 std::clamp<int64_t>(train_of(made), 0, made), made - std::clamp<int64_t>(train_of(made), 0, made),
                                 needed > 0 ? fmt::format("'{}' needs at least {} samples for this split", name, needed)
                                            : std::string("choose a train_fraction nearer 0.5")));
  }
  const RandomStream stream = RandomStream::named(o.seed, "data/playground/" + name);
  Draws d(stream);
  std::vector<Point> pts;
  if (name == "circle") pts = circle(n, o.noise, d);
  else if (name == "xor") pts = xor_set(n, o.noise, d);
  else if (name == "gauss") pts = gauss(n, o.noise, d);
  else if (name == "spiral") pts = spiral(n, o.noise, d);
  else pts = regression(n, o.noise, d, name == "reg-plane");
  const auto count = static_cast<int64_t>(pts.size());
  const std::vector<int64_t> order = stream.substream(1).permutation(count);
  const auto n_train = static_cast<int64_t>(std::floor(static_cast<double>(count) * o.train_fraction));
  data.train = to_set(pts, order, 0, n_train);
  data.test = to_set(pts, order, n_train, count);
  return data;
}

}  // namespace initlab
