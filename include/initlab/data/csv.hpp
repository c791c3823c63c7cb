// Numeric CSV tables, one-hot encoding, and seeded shuffling and batching.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "initlab/core/tensor.hpp"

namespace initlab {

struct CsvTable {
  std::vector<std::string> feature_names;
  std::string label_name;
  Tensor x;  ///< (rows, features)
  Tensor y;  ///< (rows, 1)
};

/// Reads a CSV file with a header row; `label_column` (by name) becomes y, the
/// other columns x. Every cell must be a finite number that fits float32; the
/// column names must be distinct and not empty. Errors name the file, line
/// and column. Memory for the values is checked against the budget before it
/// is allocated.
CsvTable load_csv(const std::string& path, const std::string& label_column);
/// The same, with the feature columns required to be exactly `features`
/// (a test table against its training table): they may come in any order and
/// are returned in this one; a missing or extra column is an error naming it.
CsvTable load_csv(const std::string& path, const std::string& label_column, const std::vector<std::string>& features);
/// The same from text; `where` names the source in errors.
CsvTable parse_csv(const std::string& text, const std::string& label_column, const std::string& where = "csv",
                   const std::vector<std::string>* features = nullptr);

/// (n, classes) one-hot rows from integer labels (n,) or (n, 1) in [0, classes).
Tensor one_hot(const Tensor& labels, int64_t classes);

/// Mini-batches of (x, y) in an order drawn from (seed, "data/batches", epoch).
class Batches {
 public:
  Batches(Tensor x, Tensor y, int64_t batch_size, bool shuffle = true, uint64_t seed = 0);
  /// Starts epoch `epoch`: a fresh permutation when shuffling.
  void start_epoch(uint64_t epoch);
  int64_t count() const;
  /// Batch i of the current epoch (the last one may be smaller).
  std::pair<Tensor, Tensor> batch(int64_t i) const;

 private:
  Tensor x_, y_;
  int64_t batch_size_;
  bool shuffle_;
  uint64_t seed_;
  std::vector<int64_t> order_;
};

}  // namespace initlab
