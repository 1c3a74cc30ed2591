#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "spool/detail/files.hpp"
#include "spool/detail/recovery.hpp"
#include "spool/detail/scanner.hpp"

namespace rai::spool::detail {

namespace {

constexpr int k_max_damage_lines = 10;  // per segment; the rest is summed up

struct segment_scan_result {
  std::uint64_t size = 0;  // of the file when scanned
  std::uint64_t records = 0;
  std::uint64_t damaged = 0;
  std::uint64_t tail = 0;  // where the torn tail starts; == size when none
};

class damage_log {
 public:
  explicit damage_log(std::string file) : file_(std::move(file)) {}
  ~damage_log() {
    if (lines_ > k_max_damage_lines) {
      spdlog::warn("spool: {}: {} more damaged spans skipped", file_, lines_ - k_max_damage_lines);
    }
  }
  void report(std::uint64_t offset, std::uint64_t size, const char* what) {
    if (++lines_ > k_max_damage_lines) return;
    spdlog::warn("spool: {}: skipping {} damaged bytes at offset {} ({})", file_, size, offset,
                 what);
  }

 private:
  std::string file_;
  int lines_ = 0;
};

io_result<segment_scan_result> scan_segment(int fd, const std::string& name) {
  const io_result<std::uint64_t> file = file_size(fd);
  if (!file) return file.error();
  const std::uint64_t size = *file;
  segment_scan_result out;
  out.size = size;
  damage_log log(name);
  segment_chunk chunk;
  std::uint64_t offset = 0;
  out.tail = size;
  while (offset < size) {
    if (auto read = read_segment_chunk(fd, offset, size, chunk); !read) return read.error();
    out.records += chunk.scan.records.size();
    for (const spool_damage& d : chunk.scan.damage) {
      log.report(offset + d.offset, d.size, to_string(d.kind));
      ++out.damaged;
    }
    if (chunk.at_limit) {
      out.tail = offset + chunk.consumed;
      break;
    }
    offset += chunk.consumed;
  }
  return out;
}

io_result<> truncate_to(int fd, std::uint64_t size) {
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0 || ::fdatasync(fd) != 0) return last_error();
  return {};
}

}  // namespace

recovered_spool recover_spool(const std::filesystem::path& dir) {
  recovered_spool out;
  const std::vector<std::uint64_t> ids = list_segments(dir);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::uint64_t id = ids[i];
    const bool last = i + 1 == ids.size();
    const std::string name = segment_file_name(id);
    out.next_segment_id = id + 1;

    const auto path = segment_path(dir, id);
    unique_fd fd(::open(path.c_str(), (last ? O_RDWR : O_RDONLY) | O_CLOEXEC));
    io_result<segment_scan_result> scanned =
        fd ? scan_segment(fd.get(), name) : io_result<segment_scan_result>(last_error());
    if (!scanned) {
      spdlog::error("spool: cannot read {}: {}; left in place, not forwarded", path.string(),
                    scanned.error().message());
      ++out.io_errors;
      continue;
    }
    segment_scan_result& scan = *scanned;
    std::uint64_t size = scan.size;
    if (scan.tail < size) {
      const std::uint64_t torn = size - scan.tail;
      if (last) {
        spdlog::warn("spool: {}: truncating a torn tail of {} bytes at offset {}", name, torn,
                     scan.tail);
        if (auto truncated = truncate_to(fd.get(), scan.tail); !truncated) {
          spdlog::error("spool: cannot truncate {}: {}; the tail will be skipped", path.string(),
                        truncated.error().message());
          ++out.io_errors;
        } else {
          out.truncated_bytes += torn;
          size = scan.tail;
        }
      } else {
        spdlog::warn("spool: {}: skipping {} bytes of an incomplete record at offset {}", name,
                     torn, scan.tail);
        ++scan.damaged;
      }
    }
    out.records += scan.records;
    out.damaged += scan.damaged;
    out.bytes += size;
    out.segments.push_back(spool_segment{id, size, /*sealed=*/true, /*recovered=*/true});
  }
  if (!ids.empty()) {
    spdlog::info(
        "spool: recovered {} records in {} segments ({} bytes) from {}; {} damaged spans "
        "skipped, {} torn bytes truncated",
        out.records, out.segments.size(), out.bytes, dir.string(), out.damaged,
        out.truncated_bytes);
  }
  return out;
}

}  // namespace rai::spool::detail
