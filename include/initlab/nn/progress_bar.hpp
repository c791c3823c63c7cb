// Keras's training progress display: a bar redrawn in place on a terminal,
// one line per epoch elsewhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>

namespace initlab {

class ProgressBar {
 public:
  /// `total` steps; `live` redraws a bar after each step (a terminal), else
  /// only the final line is written.
  ProgressBar(std::ostream& out, int64_t total, bool live);
  /// After `step` steps, with the running values to show.
  void update(int64_t step, const std::map<std::string, double>& values);
  /// The epoch's final line with every value (training and validation).
  void finish(const std::map<std::string, double>& values);

  /// True when stdout is a terminal.
  static bool stdout_is_terminal();

 private:
  std::string bar(int64_t step) const;
  std::string values_text(const std::map<std::string, double>& values) const;

  std::ostream& out_;
  int64_t total_;
  bool live_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace initlab
