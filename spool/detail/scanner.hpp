#pragma once

// Internal: reads a segment file in bounded chunks and parses each with
// parse_spool_records, for recovery and the forwarder, so neither holds a
// whole segment in memory unless a single record or damaged stretch is
// that large.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "spool/detail/files.hpp"
#include "spool/record.hpp"

namespace rai::spool::detail {

inline constexpr std::size_t k_spool_read_chunk = std::size_t{1} << 20;

// Bytes [offset, offset + buf.size()) of a segment file, parsed.
struct segment_chunk {
  std::uint64_t offset = 0;
  std::vector<std::byte> buf;
  spool_scan scan;  // offsets relative to buf
  // buf[0, consumed) is whole records and damage: the next chunk starts at
  // offset + consumed.
  std::size_t consumed = 0;
  // The chunk reaches the limit: buf[consumed, size) is the file's torn tail.
  bool at_limit = false;

  std::span<const std::byte> record(const spool_record_ref& r) const {
    return std::span<const std::byte>(buf).subspan(r.offset, r.size);
  }
};

// Reads from `offset` towards `limit` (offset < limit), at least
// k_spool_read_chunk bytes when the limit allows, more until something whole
// (a record or damage) fits or the limit is reached. `out` is refilled, so
// its buffer is reused from one chunk to the next.
io_result<> read_segment_chunk(int fd, std::uint64_t offset, std::uint64_t limit,
                               segment_chunk& out);

}  // namespace rai::spool::detail
