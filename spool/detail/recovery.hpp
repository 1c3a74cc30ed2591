#pragma once

// Internal: the spool's recovery at open(): scans every segment in order,
// logs and counts damage, truncates a torn tail of the last segment.

#include <cstdint>
#include <deque>
#include <filesystem>

#include "spool/detail/state.hpp"

namespace rai::spool::detail {

struct recovered_spool {
  std::deque<spool_segment> segments;  // readable ones, ascending id, all sealed
  std::uint64_t records = 0;           // whole records
  std::uint64_t bytes = 0;             // sizes of `segments` after truncation
  std::uint64_t damaged = 0;           // damaged spans skipped
  std::uint64_t truncated_bytes = 0;
  std::uint64_t next_segment_id = 1;  // past every segment file seen, readable or not
  std::uint64_t io_errors = 0;
};

// Throws std::system_error when `dir` cannot be listed; a segment that cannot
// be read is logged, left in place and not returned.
recovered_spool recover_spool(const std::filesystem::path& dir);

}  // namespace rai::spool::detail
