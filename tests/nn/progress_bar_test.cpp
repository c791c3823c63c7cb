#include "initlab/nn/progress_bar.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "initlab/nn/callback.hpp"

namespace initlab {
namespace {

TEST(ProgressBar, OneLinePerEpochWhenNotATerminal) {
  std::ostringstream out;
  ProgressBar bar(out, 6250, false);
  bar.update(10, {{"loss", 0.5}});  // nothing: not live
  bar.finish({{"loss", 0.27271}, {"val_loss", 0.3}});
  EXPECT_TRUE(std::regex_match(out.str(), std::regex(R"(6250/6250 - \d+s \d+us/step - loss: 0\.2727 - val_loss: 0\.3000\n)")))
      << out.str();
}

TEST(ProgressBar, LiveBarRedrawsInPlace) {
  std::ostringstream out;
  ProgressBar bar(out, 4, true);
  bar.update(4, {{"loss", 1.0}});
  bar.finish({{"loss", 1.0}});
  const std::string s = out.str();
  EXPECT_EQ(s.front(), '\r');
  EXPECT_NE(s.find("4/4 ━━━━━━━━━━━━━━━━━━━━"), std::string::npos) << s;
  EXPECT_EQ(s.back(), '\n');
}

TEST(History, LastNamesWhatExists) {
  History h;
  h.history["loss"] = {1.0, 0.5};
  EXPECT_EQ(h.last("loss"), 0.5);
  try {
    h.last("accuracy");
    FAIL();
  } catch (const std::exception& e) {
    EXPECT_STREQ(e.what(), "History has no 'accuracy' (it has: loss)");
  }
}

}  // namespace
}  // namespace initlab
