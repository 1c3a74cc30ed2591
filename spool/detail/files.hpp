#pragma once

// Internal: file-level helpers of the spool: descriptors, segment names, the
// directory lock, and I/O loops that return io_result values instead of
// throwing.

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <boost/system/result.hpp>

namespace rai::spool::detail {

// Errors as values in spool/: a file operation that can fail returns
// io_result<T>, whose error is the errno as a std::error_code (generic
// category). Startup (open(), the directory lock) throws std::system_error.
template <class T = void>
using io_result = boost::system::result<T, std::error_code>;

// errno as an error.
inline std::error_code last_error() noexcept {
  return {errno, std::generic_category()};
}

class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) noexcept : fd_(fd) {}
  ~unique_fd() { reset(); }
  unique_fd(unique_fd&& o) noexcept : fd_(o.release()) {}
  unique_fd& operator=(unique_fd&& o) noexcept {
    if (this != &o) reset(o.release());
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

// "spool-00000001.seg": at least eight digits, more when the id needs them.
std::string segment_file_name(std::uint64_t id);
std::filesystem::path segment_path(const std::filesystem::path& dir, std::uint64_t id);
// The id of a segment file name; nullopt for any other name.
std::optional<std::uint64_t> segment_id_of(std::string_view file_name);
// Ids of the segment files in `dir`, ascending. Throws std::system_error.
std::vector<std::uint64_t> list_segments(const std::filesystem::path& dir);

// The spool holds decrypted events: its directory is the owner's alone and
// its files are 0600, whatever the umask.
inline constexpr unsigned k_private_dir_mode = 0700;
inline constexpr unsigned k_private_file_mode = 0600;

// Creates `dir` (parents as usual, `dir` itself 0700) if needed. An existing
// `dir` of any other mode is chmod'ed to 0700 (a warning when it was open to
// group or others); when that fails (not its owner), throws
// std::system_error: the spool refuses a directory others can read.
void make_private_dir(const std::filesystem::path& dir);

// open(path, flags | O_CREAT | O_CLOEXEC) with mode 0600, then fchmod to
// 0600 (a narrow umask could leave less). A descriptor, or -1 and errno.
int create_private_file(const std::filesystem::path& path, int flags) noexcept;

// make_private_dir(dir), then takes an exclusive flock on dir/spool.lock
// (0600), held until the descriptor closes. Throws std::system_error
// (EWOULDBLOCK: another spool has it).
unique_fd lock_spool_dir(const std::filesystem::path& dir);

// Reads exactly buf.size() bytes at `offset`; ENODATA when the file ends first.
io_result<> pread_full(int fd, std::span<std::byte> buf, std::uint64_t offset) noexcept;
// fsync of the directory itself, so a created file's entry is durable.
io_result<> fsync_dir(const std::filesystem::path& dir) noexcept;
io_result<std::uint64_t> file_size(int fd) noexcept;

}  // namespace rai::spool::detail
