#pragma once

// A fresh scratch directory for one test, removed with its content.

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace rai::test {

// A fresh directory under $TMPDIR (or /tmp), removed with its content.
class temp_dir {
 public:
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && base[0] != '\0' ? base : "/tmp") + "/rai-test-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // A spool's directory inside it (created by spool::open()).
  std::string spool_dir() const { return (path_ / "spool").string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace rai::test
