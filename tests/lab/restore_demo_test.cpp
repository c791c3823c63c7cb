// initlab demo restore: every step ends as the printout says.
#include "initlab/lab/restore_demo.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace initlab {
namespace {

TEST(RestoreDemo, EveryStepEndsAsItSays) {
  std::ostringstream out;
  const RestoreDemoResult r = run_restore_demo(out, {});
  const std::string text = out.str();
  EXPECT_GT(r.trained_accuracy, 0.95);
  EXPECT_TRUE(r.same_predictions);
  // Strict: every problem in one message, nothing changed.
  for (const char* line : {"5 problems restoring model 'classifier' (nothing was changed)",
                           "file layer 'feats': no layer 'feats' in the model",
                           "layer 'features' (Dense): missing from the file", "layer 'bottleneck' (Dense): missing from the file",
                           "layer 'output' (Dense): kernel: shape (16, 3) expected, file has (16, 4)",
                           "layer 'output' (Dense): bias: shape (3,) expected, file has (4,)"}) {
    EXPECT_NE(r.strict_error.find(line), std::string::npos) << line << "\n" << r.strict_error;
  }
  EXPECT_TRUE(r.strict_left_model_unchanged);
  // Partial: 'hidden' loads, the five problems are reported; with the mapping 'features' loads too.
  EXPECT_EQ(r.partial.loaded.size(), 1u) << r.partial.str();
  EXPECT_EQ(r.partial.skipped.size(), 5u) << r.partial.str();
  EXPECT_EQ(r.renamed.loaded.size(), 2u) << r.renamed.str();
  EXPECT_EQ(r.renamed.skipped.size(), 3u) << r.renamed.str();
  // Rebuilt: inspect names the initializer, the seed and the variable; diff says every tensor changed.
  EXPECT_EQ(r.rebuilt.verdict, FileVerdict::kUntrained) << r.rebuilt.verdict_line;
  EXPECT_NE(text.find("hidden/kernel: the untrained initial weights: glorot_uniform, seed 1234, 'hidden/kernel'"),
            std::string::npos)
      << text;
  EXPECT_EQ(r.trained.verdict, FileVerdict::kTrained) << r.trained.verdict_line;
  EXPECT_EQ(r.diff.entries.size(), 8u);
  EXPECT_EQ(r.diff.count(DiffKind::kChanged), 8);
  EXPECT_NE(text.find("8 of 8 tensors changed"), std::string::npos) << text;
  EXPECT_LT(r.rebuilt_accuracy, 0.6);
}

}  // namespace
}  // namespace initlab
