#include "initlab/data/csv.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <sstream>

#include "initlab/core/error.hpp"
#include "initlab/core/random_stream.hpp"
#include "initlab/core/rows.hpp"
#include "initlab/core/atomic_file.hpp"

namespace initlab {
namespace {

std::vector<std::string> split_line(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      cells.push_back(cell);
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  cells.push_back(cell);
  for (auto& s : cells) {
    const auto a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
    s = a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
  }
  return cells;
}

}  // namespace

CsvTable parse_csv(const std::string& text, const std::string& label_column, const std::string& where) {
  std::istringstream in(text);
  std::string line;
  int64_t line_no = 0;
  std::vector<std::string> header;
  while (header.empty() && std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") != std::string::npos) header = split_line(line);
  }
  if (header.empty()) throw IoError(fmt::format("{}: empty file (expected a header row)", where));
  int64_t label = -1;
  CsvTable t;
  for (size_t j = 0; j < header.size(); ++j) {
    if (header[j] == label_column) {
      label = static_cast<int64_t>(j);
    } else {
      t.feature_names.push_back(header[j]);
    }
  }
  if (label < 0) {
    throw ValueError(fmt::format("{}: no column named '{}' (columns: {})", where, label_column, fmt::join(header, ", ")));
  }
  t.label_name = label_column;
  std::vector<float> xs, ys;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto cells = split_line(line);
    if (cells.size() != header.size()) {
      throw IoError(fmt::format("{}:{}: expected {} columns, found {}", where, line_no, header.size(), cells.size()));
    }
    for (size_t j = 0; j < cells.size(); ++j) {
      const std::string& c = cells[j];
      char* end = nullptr;
      const double v = std::strtod(c.c_str(), &end);
      if (c.empty() || end == nullptr || *end != '\0' || !std::isfinite(v)) {
        throw IoError(fmt::format("{}:{}: column '{}': expected a number, found \"{}\"", where, line_no, header[j], c));
      }
      (static_cast<int64_t>(j) == label ? ys : xs).push_back(static_cast<float>(v));
    }
  }
  const auto rows = static_cast<int64_t>(ys.size());
  if (rows == 0) throw IoError(fmt::format("{}: no data rows after the header", where));
  t.x = Tensor(Shape{rows, static_cast<int64_t>(t.feature_names.size())}, xs);
  t.y = Tensor(Shape{rows, 1}, ys);
  return t;
}

CsvTable load_csv(const std::string& path, const std::string& label_column) {
  return parse_csv(read_file(path), label_column, path);
}

Tensor one_hot(const Tensor& labels, int64_t classes) {
  if (classes < 1) throw ValueError(fmt::format("one_hot: classes must be >= 1, got {}", classes));
  const int64_t n = labels.rank() == 0 ? 1 : labels.dim(0);
  if (labels.size() != n) {
    throw ShapeError(fmt::format("one_hot: expected labels of shape ({},) or ({}, 1), got {}", n, n, labels.shape().str()));
  }
  Tensor out(Shape{n, classes});
  for (int64_t i = 0; i < n; ++i) {
    const float v = labels[i];
    if (!(v >= 0 && v < static_cast<float>(classes)) || v != std::floor(v)) {
      throw ValueError(fmt::format("one_hot: label {} of sample {} is not an integer in [0, {})", v, i, classes));
    }
    out[i * classes + static_cast<int64_t>(v)] = 1.0f;
  }
  return out;
}

Batches::Batches(Tensor x, Tensor y, int64_t batch_size, bool shuffle, uint64_t seed)
    : x_(std::move(x)), y_(std::move(y)), batch_size_(batch_size), shuffle_(shuffle), seed_(seed) {
  if (batch_size < 1) throw ValueError(fmt::format("Batches: batch_size must be >= 1, got {}", batch_size));
  if (x_.rank() < 1 || y_.rank() < 1 || x_.dim(0) != y_.dim(0)) {
    throw ShapeError(fmt::format("Batches: x {} and y {} must have the same number of samples", x_.shape().str(),
                                 y_.shape().str()));
  }
  start_epoch(0);
}

void Batches::start_epoch(uint64_t epoch) {
  const int64_t n = x_.dim(0);
  if (shuffle_) {
    order_ = RandomStream::named(seed_, "data/batches").substream(epoch).permutation(n);
  } else {
    order_.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) order_[static_cast<size_t>(i)] = i;
  }
}

int64_t Batches::count() const { return (x_.dim(0) + batch_size_ - 1) / batch_size_; }

std::pair<Tensor, Tensor> Batches::batch(int64_t i) const {
  if (i < 0 || i >= count()) throw ValueError(fmt::format("Batches: batch {} out of range [0, {})", i, count()));
  const int64_t lo = i * batch_size_, hi = std::min(x_.dim(0), lo + batch_size_);
  Tensor bx, by;
  gather_rows(x_, order_.data() + lo, hi - lo, bx);
  gather_rows(y_, order_.data() + lo, hi - lo, by);
  return {bx, by};
}

}  // namespace initlab
