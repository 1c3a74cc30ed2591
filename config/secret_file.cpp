#include "config/secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace rai::gateway {
namespace {

class fd_guard {
 public:
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string octal(unsigned mode) {
  char text[16];
  std::snprintf(text, sizeof text, "0%03o", mode & 07777u);
  return text;
}

}  // namespace

std::optional<std::string> unsafe_secret_mode(unsigned mode) {
  std::string who;
  if (mode & S_IRWXO)
    who = (mode & (S_IROTH | S_IWOTH)) ? "readable or writable by others" : "accessible to others";
  else if (mode & S_IWGRP)
    who = "writable by its group";
  else
    return std::nullopt;
  return "mode " + octal(mode) + ": " + who +
         "; a secret file must be 0600 or 0400 (0640/0440 when a group of the gateway's own "
         "must read it): chmod go-w,o-rwx";
}

std::optional<std::string> read_secret_file(const std::string& setting, const std::string& path,
                                            std::string& problem) {
  int raw = -1;
  do {
    raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  } while (raw < 0 && errno == EINTR);
  fd_guard fd(raw);
  if (raw < 0) {
    problem = setting + ": cannot read " + path + " (" + std::strerror(errno) + ")";
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    problem = setting + ": cannot read " + path + " (" + std::strerror(errno) + ")";
    return std::nullopt;
  }
  if (auto unsafe = unsafe_secret_mode(static_cast<unsigned>(st.st_mode))) {
    problem = setting + ": refusing " + path + ", " + *unsafe + " " + path;
    return std::nullopt;
  }
  std::string content;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      problem = setting + ": cannot read " + path + " (" + std::strerror(errno) + ")";
      return std::nullopt;
    }
    if (n == 0) break;
    content.append(buf, static_cast<std::size_t>(n));
  }
  return content;
}

}  // namespace rai::gateway
