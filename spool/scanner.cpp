#include <algorithm>

#include "spool/detail/files.hpp"
#include "spool/detail/scanner.hpp"

namespace rai::spool::detail {

io_result<> read_segment_chunk(int fd, std::uint64_t offset, std::uint64_t limit,
                               segment_chunk& out) {
  out.offset = offset;
  std::uint64_t want = k_spool_read_chunk;
  for (;;) {
    const std::uint64_t len = std::min(want, limit - offset);
    out.buf.resize(static_cast<std::size_t>(len));
    if (auto read = pread_full(fd, out.buf, offset); !read) return read;
    out.scan = parse_spool_records(out.buf);
    out.consumed = out.scan.tail_offset;
    out.at_limit = offset + len == limit;
    if (out.at_limit || out.consumed > 0) return {};
    want = len * 2;  // one record (or damaged stretch) is bigger than the chunk
  }
}

}  // namespace rai::spool::detail
