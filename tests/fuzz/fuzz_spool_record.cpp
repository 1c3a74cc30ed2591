// The spool's pure record parser (queue/spool_record.hpp): the input is the
// contents of a segment file. Besides "no crash, no out-of-bounds read", it
// checks what recovery relies on: records, damaged spans and the torn tail
// tile the data exactly, in order; every record parse_spool_records accepts
// decodes, and re-encodes to the very same bytes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "spool/record.hpp"

namespace {

using rai::spool::spool_scan;

// Records and damage, merged by offset, must cover [0, tail_offset) with no
// gap or overlap.
void check_tiling(const spool_scan& scan, std::size_t size) {
  if (scan.tail_offset > size) std::abort();
  struct piece {
    std::size_t offset;
    std::size_t size;
  };
  std::vector<piece> pieces;
  for (const auto& r : scan.records) pieces.push_back({r.offset, r.size});
  for (const auto& d : scan.damage) pieces.push_back({d.offset, d.size});
  std::sort(pieces.begin(), pieces.end(),
            [](const piece& a, const piece& b) { return a.offset < b.offset; });
  std::size_t pos = 0;
  for (const auto& p : pieces) {
    if (p.offset != pos || p.size == 0) std::abort();
    pos += p.size;
  }
  if (pos != scan.tail_offset) std::abort();
  // Each list is in file order on its own.
  for (std::size_t i = 1; i < scan.records.size(); ++i) {
    if (scan.records[i].offset <= scan.records[i - 1].offset) std::abort();
  }
  for (std::size_t i = 1; i < scan.damage.size(); ++i) {
    if (scan.damage[i].offset <= scan.damage[i - 1].offset) std::abort();
  }
}

void check_records(const spool_scan& scan, std::span<const std::byte> bytes) {
  for (const auto& r : scan.records) {
    if (r.size < rai::spool::k_spool_header_size) std::abort();
    const auto record = bytes.subspan(r.offset, r.size);
    const auto message = rai::spool::decode_spool_record(record);
    if (!message) std::abort();
    const auto again = rai::spool::encode_spool_record(*message);
    if (!again || !std::equal(again->begin(), again->end(), record.begin(), record.end())) {
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  const spool_scan scan = rai::spool::parse_spool_records(bytes);
  check_tiling(scan, size);
  check_records(scan, bytes);
  // The whole input as one record: must be safe, and agree with the scan.
  const auto whole = rai::spool::decode_spool_record(bytes);
  const bool one_record = scan.records.size() == 1 && scan.damage.empty() &&
                          scan.records[0].offset == 0 && scan.records[0].size == size;
  if (whole.has_value() != one_record) std::abort();
  return 0;
}
