// Training callbacks: History (always), EarlyStopping, CSVLogger.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace initlab {

class Sequential;

/// Epoch logs: "loss", "accuracy", "val_loss", ... → value.
using Logs = std::map<std::string, double>;

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(Sequential& model) { (void)model; }
  /// Return true to stop training after this epoch.
  virtual bool on_epoch_end(Sequential& model, int epoch, const Logs& logs) {
    (void)model, (void)epoch, (void)logs;
    return false;
  }
  virtual void on_train_end(Sequential& model) { (void)model; }
  /// After training step `batch` (0-based within `epoch`); logs hold the
  /// epoch's running loss and metrics, as Keras's on_train_batch_end.
  virtual void on_batch_end(Sequential& model, int epoch, int64_t batch, const Logs& logs) {
    (void)model, (void)epoch, (void)batch, (void)logs;
  }
  /// Called after every training step and every epoch once EVERY callback's
  /// on_batch_end / on_epoch_end has run: the model, its optimizer and every
  /// callback then hold a state that model.fit_progress() captures and
  /// FitOptions::resume continues from bit for bit (ModelCheckpoint saves here).
  /// `epoch_end` tells which; logs are the epoch's (running, mid-epoch).
  virtual void on_save_point(Sequential& model, int epoch, int64_t batch, bool epoch_end, const Logs& logs) {
    (void)model, (void)epoch, (void)batch, (void)epoch_end, (void)logs;
  }
  /// What a resumed fit needs of this callback (null for none), and its
  /// restoration, called right after on_train_begin of a resumed fit.
  /// set_state throws ValueError naming the callback on a state it did not write.
  virtual nlohmann::json state() const;
  virtual void set_state(const nlohmann::json& state);
};

/// Whether `monitor` improves upward under `mode` ("max"; "min"; "auto": up
/// for accuracy-like names, those containing "acc", as Keras).
bool monitor_maximizes(const std::string& monitor, const std::string& mode);

/// What fit returns: every logged value per epoch.
struct History {
  std::vector<int> epoch;
  std::map<std::string, std::vector<double>> history;
  /// The last value of a log ("loss"); throws when absent.
  double last(const std::string& key) const;
};

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  double min_delta = 0;
  int patience = 0;
  std::string mode = "auto";  ///< "min", "max", or "auto" (max for accuracy-like logs)
  bool restore_best_weights = false;
};

/// Stops when `monitor` has not improved by more than min_delta for `patience` epochs.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions o = {}) : o_(std::move(o)) {}
  void on_train_begin(Sequential& model) override;
  bool on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;
  void on_train_end(Sequential& model) override;
  int stopped_epoch() const { return stopped_epoch_; }
  /// best, wait, the epochs and (restore_best_weights) the best weights.
  nlohmann::json state() const override;
  void set_state(const nlohmann::json& state) override;

 private:
  EarlyStoppingOptions o_;
  double best_ = 0;
  bool have_best_ = false;
  int wait_ = 0, stopped_epoch_ = -1, best_epoch_ = -1;
  std::vector<std::vector<float>> best_weights_;
};

/// Appends one CSV row per epoch (epoch, then the logs in name order); the file
/// is rewritten atomically after every epoch.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string path) : path_(std::move(path)) {}
  void on_train_begin(Sequential& model) override;
  bool on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;
  /// The rows so far: a resumed fit appends to them.
  nlohmann::json state() const override;
  void set_state(const nlohmann::json& state) override;

 private:
  std::string path_, text_;
  std::vector<std::string> keys_;
};

}  // namespace initlab
