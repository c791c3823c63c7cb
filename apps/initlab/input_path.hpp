// The CLI check for a file argument the program will read: CLI11's
// ExistingFile, except that anything but a regular file (a directory, FIFO,
// socket or device) is named for what it is, as initlab's readers do.
#pragma once

#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <string>

#include "initlab/core/input_file.hpp"

namespace initlab::app {

inline CLI::Validator regular_file() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) return "File does not exist: " + path;
        if (!S_ISREG(st.st_mode)) return path + ": not a regular file (" + file_kind(st.st_mode) + ")";
        return "";
      },
      "FILE");
}

}  // namespace initlab::app
