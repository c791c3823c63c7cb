#include "initlab/data/csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "initlab/core/error.hpp"
#include "initlab/core/memory_budget.hpp"
#include "initlab/core/random_stream.hpp"
#include "initlab/core/rows.hpp"
#include "initlab/core/atomic_file.hpp"

namespace initlab {
namespace {

// Calls fn(index, cell) for each cell of a line: commas split cells except
// inside double quotes ("" is a quote inside a quoted cell); spaces and tabs
// around a cell and '\r' are dropped. A cell is a view of the line when it
// holds no quotes, else of `scratch`. Returns the number of cells.
template <typename F>
size_t for_each_cell(std::string_view line, std::string& scratch, F&& fn) {
  size_t index = 0, start = 0;
  bool quoted = false, has_quotes = false;
  const auto emit = [&](size_t end) {
    std::string_view cell = line.substr(start, end - start);
    if (has_quotes) {
      scratch.clear();
      bool q = false;
      for (size_t i = 0; i < cell.size(); ++i) {
        if (cell[i] == '"') {
          if (q && i + 1 < cell.size() && cell[i + 1] == '"') {
            scratch += '"';
            ++i;
          } else {
            q = !q;
          }
        } else if (cell[i] != '\r') {
          scratch += cell[i];
        }
      }
      cell = scratch;
    }
    const auto a = cell.find_first_not_of(" \t\r"), b = cell.find_last_not_of(" \t\r");
    fn(index++, a == std::string_view::npos ? std::string_view() : cell.substr(a, b - a + 1));
  };
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      quoted = !quoted;
      has_quotes = true;
    } else if (c == ',' && !quoted) {
      emit(i);
      start = i + 1;
      has_quotes = false;
    }
  }
  emit(line.size());
  return index;
}

// The number of cells of a line, without making them.
size_t count_cells(std::string_view line) {
  size_t n = 1;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    n += c == ',' && !quoted;
  }
  return n;
}

bool blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

// At most 40 characters of a cell or name, control characters shown as '?'.
std::string excerpt(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out;
  for (char c : s.substr(0, kMax)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return s.size() > kMax ? out + "…" : out;
}

// The column names for a message: the first 20, then how many more.
std::string column_list(const std::vector<std::string>& names) {
  constexpr size_t kShown = 20;
  std::vector<std::string> shown;
  for (size_t i = 0; i < std::min(names.size(), kShown); ++i) shown.push_back(excerpt(names[i]));
  std::string out = fmt::format("{}", fmt::join(shown, ", "));
  if (names.size() > kShown) out += fmt::format(" and {} more", names.size() - kShown);
  return out;
}

// Optimal string alignment distance (edits and adjacent swaps), case-insensitive.
size_t distance(std::string_view a, std::string_view b) {
  const auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// "; did you mean 'label'?" when one name is close to `wanted`, else "".
std::string suggestion(const std::string& wanted, const std::vector<std::string>& names) {
  if (wanted.size() > 200) return "";
  const size_t limit = wanted.size() >= 3 ? std::max<size_t>(1, wanted.size() / 3) : 0;
  const std::string* best = nullptr;
  size_t best_d = limit + 1;
  for (const auto& n : names) {
    if (n.size() > 200) continue;
    const size_t dist = distance(wanted, n);
    if (dist < best_d) best_d = dist, best = &n;
  }
  return best != nullptr ? fmt::format("; did you mean '{}'?", *best) : "";
}

// A cell as a float32: a decimal number, finite and within float32's range.
// Returns the message on failure.
std::optional<std::string> parse_value(std::string_view cell, float& out) {
  if (cell.empty()) return std::string("expected a number, found an empty cell");
  const char* b = cell.data();
  const char* e = cell.data() + cell.size();
  if (*b == '+' && e - b > 1 && b[1] != '-' && b[1] != '+') ++b;  // from_chars takes no '+'
  double v = 0;
  const auto r = std::from_chars(b, e, v);
  if (r.ec == std::errc::result_out_of_range) {
    return fmt::format("\"{}\" is beyond float32's range (±3.4e38)", excerpt(cell));
  }
  if (r.ec != std::errc() || r.ptr != e) return fmt::format("expected a number, found \"{}\"", excerpt(cell));
  if (std::isnan(v) || std::isinf(v)) return fmt::format("expected a finite number, found \"{}\"", excerpt(cell));
  if (std::fabs(v) > std::numeric_limits<float>::max()) {
    return fmt::format("{} is beyond float32's range (±3.4e38)", excerpt(cell));
  }
  out = static_cast<float>(v);
  return std::nullopt;
}

}  // namespace

CsvTable parse_csv(const std::string& text, const std::string& label_column, const std::string& where,
                   const std::vector<std::string>* features) {
  std::string_view rest(text);
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);  // a UTF-8 byte-order mark (Excel writes one)
  // The lines, without their '\n', one at a time (a view per line of a huge file would cost more than the file).
  size_t at = 0, line_index = 0;
  const auto next_line = [&](std::string_view& line) {
    if (at >= rest.size()) return false;
    const auto nl = rest.find('\n', at);
    const size_t end = nl == std::string_view::npos ? rest.size() : nl;
    line = rest.substr(at, end - at);
    at = end + 1;
    ++line_index;
    return true;
  };
  std::string_view line;
  bool found = false;
  while (next_line(line)) {
    if (!blank(line)) {
      found = true;
      break;
    }
  }
  if (!found) throw IoError(fmt::format("{}: empty file (expected a header row)", where));
  const auto header_line = static_cast<int64_t>(line_index);
  // A header's names cost far more than the bytes that spell them: check before making them.
  const size_t columns = count_cells(line);
  require_memory(bytes_of(columns, 3 * sizeof(std::string) + 32),
                 fmt::format("{}: a header of {} columns", where, columns));
  std::vector<std::string> header;
  header.reserve(columns);
  std::string scratch;
  for_each_cell(line, scratch, [&](size_t, std::string_view cell) { header.emplace_back(cell); });

  // Column names: not empty, each once.
  std::unordered_map<std::string, size_t> column_of;
  for (size_t j = 0; j < header.size(); ++j) {
    if (header[j].empty()) {
      throw IoError(fmt::format("{}:{}: column {} has no name{}", where, header_line, j + 1,
                                j == 0 && header.size() > 1
                                    ? " (pandas writes its index that way: save with to_csv(..., index=False))"
                                    : " (a trailing comma?)"));
    }
    const auto [it, fresh] = column_of.emplace(header[j], j);
    if (!fresh) {
      throw IoError(fmt::format("{}:{}: column '{}' appears twice (columns {} and {})", where, header_line,
                                excerpt(header[j]), it->second + 1, j + 1));
    }
  }
  const auto label_it = column_of.find(label_column);
  if (label_it == column_of.end()) {
    std::string hint = suggestion(label_column, header);
    if (hint.empty() && header.size() == 1) {
      for (const char sep : {';', '\t', '|'}) {
        if (header[0].find(sep) != std::string::npos) {
          hint = fmt::format("; the header seems to be separated by '{}', and initlab reads comma-separated files",
                             sep == '\t' ? std::string("\\t") : std::string(1, sep));
          break;
        }
      }
    }
    throw ValueError(fmt::format("{}: no column named '{}' (columns: {}){}", where, excerpt(label_column),
                                 column_list(header), hint));
  }
  const size_t label = label_it->second;
  CsvTable t;
  t.label_name = label_column;
  // Where each feature goes in x: the file's order, or the order asked for.
  std::vector<int64_t> slot(header.size(), -1);
  if (features != nullptr) {
    for (size_t k = 0; k < features->size(); ++k) {
      const auto it = column_of.find((*features)[k]);
      if (it == column_of.end() || it->second == label) {
        throw IoError(fmt::format("{}:{}: column '{}' is missing (expected the feature columns {} and the label '{}'){}",
                                  where, header_line, excerpt((*features)[k]), column_list(*features),
                                  excerpt(label_column), suggestion((*features)[k], header)));
      }
      slot[it->second] = static_cast<int64_t>(k);
    }
    for (size_t j = 0; j < header.size(); ++j) {
      if (j != label && slot[j] < 0) {
        throw IoError(fmt::format("{}:{}: column '{}' is not one of the expected feature columns ({}) or the label '{}'",
                                  where, header_line, excerpt(header[j]), column_list(*features),
                                  excerpt(label_column)));
      }
    }
    t.feature_names = *features;
  } else {
    for (size_t j = 0; j < header.size(); ++j) {
      if (j == label) continue;
      slot[j] = static_cast<int64_t>(t.feature_names.size());
      t.feature_names.push_back(header[j]);
    }
  }
  if (t.feature_names.empty()) {
    throw IoError(fmt::format("{}:{}: only the label column '{}'; expected at least one feature column", where,
                              header_line, excerpt(label_column)));
  }

  const size_t data_at = at, data_line = line_index;
  int64_t rows = 0;
  while (next_line(line)) rows += blank(line) ? 0 : 1;
  if (rows == 0) throw IoError(fmt::format("{}: no data rows after the header", where));
  const auto width = static_cast<int64_t>(t.feature_names.size());
  // The tensors check the memory budget before they allocate.
  t.x = Tensor(Shape{rows, width});
  t.y = Tensor(Shape{rows, 1});
  int64_t row = 0;
  at = data_at;
  line_index = data_line;
  while (next_line(line)) {
    if (blank(line)) continue;
    const auto line_no = static_cast<int64_t>(line_index);
    if (const size_t n = count_cells(line); n != header.size()) {
      throw IoError(fmt::format("{}:{}: expected {} columns, found {}", where, line_no, header.size(), n));
    }
    for_each_cell(line, scratch, [&](size_t j, std::string_view cell) {
      float v = 0;
      if (auto why = parse_value(cell, v)) {
        throw IoError(fmt::format("{}:{}: column '{}': {}", where, line_no, excerpt(header[j]), *why));
      }
      if (j == label) {
        t.y[row] = v;
      } else {
        t.x[row * width + slot[j]] = v;
      }
    });
    ++row;
  }
  return t;
}

CsvTable load_csv(const std::string& path, const std::string& label_column) {
  return parse_csv(read_file(path), label_column, path);
}

CsvTable load_csv(const std::string& path, const std::string& label_column, const std::vector<std::string>& features) {
  return parse_csv(read_file(path), label_column, path, &features);
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
