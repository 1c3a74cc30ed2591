#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <system_error>

#include <spdlog/spdlog.h>

#include "spool/detail/files.hpp"

namespace rai::spool::detail {

namespace {

constexpr std::string_view k_prefix = "spool-";
constexpr std::string_view k_suffix = ".seg";

}  // namespace

void unique_fd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::string segment_file_name(std::uint64_t id) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%08llu", static_cast<unsigned long long>(id));
  return std::string(k_prefix) + digits + std::string(k_suffix);
}

std::filesystem::path segment_path(const std::filesystem::path& dir, std::uint64_t id) {
  return dir / segment_file_name(id);
}

std::optional<std::uint64_t> segment_id_of(std::string_view name) {
  if (name.size() <= k_prefix.size() + k_suffix.size() || !name.starts_with(k_prefix) ||
      !name.ends_with(k_suffix)) {
    return std::nullopt;
  }
  const std::string_view digits =
      name.substr(k_prefix.size(), name.size() - k_prefix.size() - k_suffix.size());
  std::uint64_t id = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  return id;
}

std::vector<std::uint64_t> list_segments(const std::filesystem::path& dir) {
  std::vector<std::uint64_t> ids;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (const auto id = segment_id_of(entry.path().filename().native())) ids.push_back(*id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

void make_private_dir(const std::filesystem::path& dir) {
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path());
  if (::mkdir(dir.c_str(), k_private_dir_mode) != 0 && errno != EEXIST)
    throw std::system_error(errno, std::generic_category(), "mkdir " + dir.string());
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0)
    throw std::system_error(errno, std::generic_category(), "stat " + dir.string());
  if (!S_ISDIR(st.st_mode)) throw std::system_error(ENOTDIR, std::generic_category(), dir.string());
  const auto mode = static_cast<unsigned>(st.st_mode & 07777);
  if (mode == k_private_dir_mode) return;
  // Created by us under a restrictive umask, or left open by an older
  // version or an installer: make it the owner's alone.
  if (::chmod(dir.c_str(), k_private_dir_mode) != 0) {
    const int err = errno;
    char text[160];
    std::snprintf(text, sizeof text,
                  "%s has mode 0%o and cannot be restricted to 0700 (its segments hold "
                  "decrypted events; use a directory the gateway owns, e.g. a subdirectory "
                  "it creates)",
                  dir.c_str(), mode);
    throw std::system_error(err, std::generic_category(), text);
  }
  if (mode & 077)
    spdlog::warn("spool: {} had mode 0{:o}, open to group or others; restricted to 0700",
                 dir.string(), mode);
}

int create_private_file(const std::filesystem::path& path, int flags) noexcept {
  unique_fd fd(::open(path.c_str(), flags | O_CREAT | O_CLOEXEC, k_private_file_mode));
  if (!fd) return -1;
  // The umask only narrows the mode given to open(); a narrow one (0277)
  // would leave a file its owner cannot reopen for writing.
  if (::fchmod(fd.get(), k_private_file_mode) != 0) {
    const int err = errno;
    fd.reset();
    errno = err;
    return -1;
  }
  return fd.release();
}

unique_fd lock_spool_dir(const std::filesystem::path& dir) {
  make_private_dir(dir);
  const auto path = dir / "spool.lock";
  unique_fd fd(create_private_file(path, O_RDWR));
  if (!fd) throw std::system_error(errno, std::generic_category(), "open " + path.string());
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            "lock " + path.string() + " (is another gateway using this spool?)");
  }
  return fd;
}

io_result<> pread_full(int fd, std::span<std::byte> buf, std::uint64_t offset) noexcept {
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n =
        ::pread(fd, buf.data() + done, buf.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    if (n == 0) return std::error_code(ENODATA, std::generic_category());
    done += static_cast<std::size_t>(n);
  }
  return {};
}

io_result<> fsync_dir(const std::filesystem::path& dir) noexcept {
  unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) return last_error();
  return {};
}

io_result<std::uint64_t> file_size(int fd) noexcept {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return last_error();
  return static_cast<std::uint64_t>(st.st_size);
}

}  // namespace rai::spool::detail
