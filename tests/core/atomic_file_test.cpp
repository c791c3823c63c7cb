#include "initlab/core/atomic_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>

#include "initlab/core/error.hpp"
#include "initlab/core/input_file.hpp"
#include "initlab/core/memory_budget.hpp"
#include "test_util.hpp"

namespace initlab {
namespace {

namespace fs = std::filesystem;
using initlab::testing::error_of;

// A fresh, empty folder for one test.
std::string fresh_dir(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "/initlab_atomic_" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(AtomicFile, ReplacesARegularFileAndKeepsItsPermissions) {
  const std::string dir = fresh_dir("perm");
  const std::string path = dir + "/w.npy";
  write_file_atomically(path, "old");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  write_file_atomically(path, "new contents");
  EXPECT_EQ(read_file(path), "new contents");
  EXPECT_EQ(mode_of(path) & 07777, 0640u);
  EXPECT_TRUE(S_ISREG(mode_of(path)));
  EXPECT_EQ(names_in(dir), (std::vector<std::string>{"w.npy"}));  // no temporary file left
}

TEST(AtomicFile, ANewFileGetsTheUsualModeLessTheUmask) {
  const std::string dir = fresh_dir("umask");
  const mode_t old = ::umask(027);
  write_file_atomically(dir + "/a", "x");
  ::umask(old);
  EXPECT_EQ(mode_of(dir + "/a") & 07777, 0640u);
}

TEST(AtomicFile, WritesThroughASymlinkAndKeepsTheLink) {
  const std::string dir = fresh_dir("link");
  fs::create_directories(dir + "/real");
  write_file_atomically(dir + "/real/data.csv", "old");
  ::chmod((dir + "/real/data.csv").c_str(), 0600);
  fs::create_symlink("real/data.csv", dir + "/link.csv");  // relative, as ln -s writes them
  write_file_atomically(dir + "/link.csv", "through the link");
  EXPECT_TRUE(S_ISLNK(mode_of(dir + "/link.csv")));
  EXPECT_EQ(read_file(dir + "/real/data.csv"), "through the link");
  EXPECT_EQ(mode_of(dir + "/real/data.csv") & 07777, 0600u);
  // The temporary file was made beside the file the link names, and is gone.
  EXPECT_EQ(names_in(dir + "/real"), (std::vector<std::string>{"data.csv"}));
  EXPECT_EQ(names_in(dir), (std::vector<std::string>{"link.csv", "real"}));

  // A chain of links, the last one dangling: the file it names is created.
  fs::create_symlink("hop2", dir + "/hop1");
  fs::create_symlink("real/new.txt", dir + "/hop2");
  write_file_atomically(dir + "/hop1", "created");
  EXPECT_TRUE(S_ISLNK(mode_of(dir + "/hop1")));
  EXPECT_TRUE(S_ISLNK(mode_of(dir + "/hop2")));
  EXPECT_EQ(read_file(dir + "/real/new.txt"), "created");

  // A loop is an error, not a hang.
  fs::create_symlink("loop_b", dir + "/loop_a");
  fs::create_symlink("loop_a", dir + "/loop_b");
  EXPECT_TRUE(contains(error_of([&] { write_file_atomically(dir + "/loop_a", "x"); }), "symbolic links"));
}

TEST(AtomicFile, RefusesAFifoAndLeavesItAFifo) {
  const std::string dir = fresh_dir("fifo");
  const std::string fifo = dir + "/pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_EQ(error_of([&] { write_file_atomically(fifo, "x"); }),
            fifo + ": not a regular file (a FIFO); initlab writes only regular files");
  EXPECT_TRUE(S_ISFIFO(mode_of(fifo)));
  EXPECT_EQ(names_in(dir), (std::vector<std::string>{"pipe"}));
  EXPECT_THROW(check_writable(fifo), IoError);
}

TEST(AtomicFile, RefusesADeviceBehindASymlinkAndLeavesBothAlone) {
  // Through a link, so that a writer that renames over its target replaces the
  // link and never /dev/null (these tests may run as root).
  const std::string dir = fresh_dir("device");
  const std::string link = dir + "/null.npy";
  fs::create_symlink("/dev/null", link);
  const std::string msg = error_of([&] { write_file_atomically(link, "x"); });
  EXPECT_TRUE(contains(msg, "not a regular file (a character device); initlab writes only regular files")) << msg;
  EXPECT_TRUE(contains(msg, link)) << msg;
  EXPECT_TRUE(S_ISLNK(mode_of(link)));
  EXPECT_TRUE(S_ISCHR(mode_of("/dev/null")));
  EXPECT_EQ(names_in(dir), (std::vector<std::string>{"null.npy"}));
}

TEST(AtomicFile, RefusesADirectoryAndADirectoryPath) {
  const std::string dir = fresh_dir("dir");
  fs::create_directories(dir + "/sub");
  EXPECT_EQ(error_of([&] { write_file_atomically(dir + "/sub", "x"); }),
            dir + "/sub: not a regular file (a directory); initlab writes only regular files");
  EXPECT_TRUE(fs::is_directory(dir + "/sub"));
  EXPECT_TRUE(fs::is_empty(dir + "/sub"));
  EXPECT_TRUE(contains(error_of([&] { write_file_atomically(dir + "/nothing/", "x"); }), "expected a file name"));
  EXPECT_TRUE(contains(error_of([] { write_file_atomically("", "x"); }), "the file name is empty"));
  EXPECT_TRUE(contains(error_of([&] { write_file_atomically(dir + "/missing/w.npy", "x"); }),
                       "cannot create a temporary file beside it: No such file or directory"));
  EXPECT_THROW(check_writable(dir + "/missing/w.npy"), IoError);
  EXPECT_NO_THROW(check_writable(dir + "/fine.csv"));
  EXPECT_FALSE(fs::exists(dir + "/fine.csv"));  // checking writes nothing
}

TEST(AtomicFile, AFailedWriteLeavesTheOldFileAndNoTemporaryFile) {
  const std::string dir = fresh_dir("fail");
  const std::string path = dir + "/h.json";
  write_file_atomically(path, "previous");
  // A file-size limit makes write() fail (EFBIG) part-way, as a full disk would.
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto* old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string msg = error_of([&] { write_file_atomically(path, std::string(100000, 'x')); });
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);
  EXPECT_TRUE(contains(msg, path + ": write failed after 4096 of 100000 bytes")) << msg;
  EXPECT_EQ(read_file(path), "previous");
  EXPECT_EQ(names_in(dir), (std::vector<std::string>{"h.json"}));
}

TEST(AtomicFile, ReadingANonRegularFileSaysWhatItIs) {
  const std::string dir = fresh_dir("read");
  EXPECT_EQ(error_of([&] { read_file(dir); }), dir + ": not a regular file (a directory)");
  EXPECT_EQ(error_of([] { read_file("/dev/null"); }), "/dev/null: not a regular file (a character device)");
  EXPECT_TRUE(contains(error_of([&] { read_file(dir + "/absent.json"); }),
                       dir + "/absent.json: cannot open for reading: No such file or directory"));
  EXPECT_TRUE(contains(error_of([] { read_file(""); }), "the file name is empty"));

  // A FIFO with no writer: refused at once, never waited on.
  const std::string fifo = dir + "/config.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  auto reading = std::async(std::launch::async, [&] { return error_of([&] { read_file(fifo); }); });
  if (reading.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    const int unblock = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // let the reader go, then fail
    reading.wait();
    if (unblock >= 0) ::close(unblock);
    FAIL() << "read_file blocked on a FIFO";
  }
  EXPECT_EQ(reading.get(), fifo + ": not a regular file (a FIFO)");
}

TEST(AtomicFile, ReadingChecksTheSizeAgainstTheMemoryBudget) {
  const std::string dir = fresh_dir("budget");
  write_file_atomically(dir + "/big.json", std::string(5000, ' '));
  set_memory_budget(4000);
  const std::string msg = error_of([&] { read_file(dir + "/big.json"); });
  set_memory_budget(std::nullopt);
  EXPECT_EQ(msg, dir + "/big.json needs 5.00 kB; 4.00 kB is the memory budget");
  EXPECT_EQ(read_file(dir + "/big.json").size(), 5000u);
}

TEST(AtomicFile, InputFileGivesItsSize) {
  const std::string dir = fresh_dir("input");
  write_file_atomically(dir + "/f", "12345");
  InputFile f(dir + "/f");
  EXPECT_EQ(f.size(), 5u);
  char buf[8];
  EXPECT_EQ(f.read(buf, sizeof(buf)), 5u);
  EXPECT_EQ(f.read(buf, sizeof(buf)), 0u);
}

}  // namespace
}  // namespace initlab
