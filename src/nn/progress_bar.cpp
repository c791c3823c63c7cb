#include "initlab/nn/progress_bar.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace initlab {
namespace {

std::string duration_text(double seconds) {
  if (seconds >= 3600) return fmt::format("{}:{:02}:{:02}", int(seconds) / 3600, int(seconds) / 60 % 60, int(seconds) % 60);
  if (seconds >= 60) return fmt::format("{}:{:02}", int(seconds) / 60, int(seconds) % 60);
  return fmt::format("{}s", int(seconds + 0.5));
}

std::string per_step_text(double seconds) {
  if (seconds >= 1) return fmt::format("{:.0f}s/step", seconds);
  if (seconds >= 1e-3) return fmt::format("{:.0f}ms/step", seconds * 1e3);
  return fmt::format("{:.0f}us/step", seconds * 1e6);
}

}  // namespace

ProgressBar::ProgressBar(std::ostream& out, int64_t total, bool live)
    : out_(out), total_(std::max<int64_t>(total, 1)), live_(live), start_(std::chrono::steady_clock::now()) {}

bool ProgressBar::stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

std::string ProgressBar::bar(int64_t step) const {
  constexpr int64_t kWidth = 20;
  const int64_t filled = kWidth * step / total_;
  std::string s;
  for (int64_t i = 0; i < kWidth; ++i) s += i < filled ? "━" : "─";
  return s;
}

std::string ProgressBar::values_text(const std::map<std::string, double>& values) const {
  std::string s;
  for (const auto& [k, v] : values) s += fmt::format(" - {}: {:.4f}", k, v);
  return s;
}

void ProgressBar::update(int64_t step, const std::map<std::string, double>& values) {
  if (!live_) return;
  const auto now = std::chrono::steady_clock::now();
  // Redraw at most 20 times a second, and always at the last step.
  if (step < total_ && now - last_draw_ < std::chrono::milliseconds(50)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double eta = step > 0 ? elapsed / static_cast<double>(step) * static_cast<double>(total_ - step) : 0;
  out_ << fmt::format("\r{}/{} {} {}{}\x1b[K", step, total_, bar(step),
                      step < total_ ? "ETA: " + duration_text(eta) : duration_text(elapsed), values_text(values))
       << std::flush;
}

void ProgressBar::finish(const std::map<std::string, double>& values) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string timing = fmt::format("{} {}", duration_text(elapsed), per_step_text(elapsed / static_cast<double>(total_)));
  if (live_) {
    out_ << fmt::format("\r{}/{} {} {}{}\x1b[K\n", total_, total_, bar(total_), timing, values_text(values));
  } else {
    out_ << fmt::format("{}/{} - {}{}\n", total_, total_, timing, values_text(values));
  }
  out_ << std::flush;
}

}  // namespace initlab
