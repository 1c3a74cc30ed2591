#pragma once

// The spool's on-disk record format, and a pure parser for it: no I/O, no
// logging, no globals. parse_spool_records() is meant to be fuzzed: it never
// reads outside `data`, and what it allocates is linear in data.size()
// (nothing is sized from a length field).
//
// A segment file is a sequence of records and nothing else. Integers are
// little-endian and fixed width. A record:
//
//   offset  size    field
//   0       4       magic        F5 52 53 50 ("\xF5RSP"; 0xF5 never occurs in
//                                UTF-8, so a JSON body cannot fake a record start)
//   4       4       length       payload bytes, at most k_max_spool_payload
//   8       4       payload_crc  CRC32C of the payload
//   12      4       header_crc   CRC32C of bytes 0..11, so a damaged length is
//                                never trusted
//   16      length  payload
//
// Payload, version 1 (str = u32 byte count, then the bytes):
//
//   u8   version = 1
//   i64  timestamp (message::timestamp, unix seconds)
//   str  exchange, str routing_key, str message_id, str type, str content_type
//   u32  header count, then that many (str name, str value)
//   str  body
//
// The fields must fill the payload exactly. A record carries one
// amqp::message, exactly as it was appended.
//
// Parsing, from offset 0:
// * a whole record with both CRCs right and a well-formed payload: a record;
// * fewer bytes left than a header, or a good header whose payload runs past
//   the end: the torn tail starts here (a crash mid-write), parsing stops;
// * no magic, a bad header CRC, or a length over the maximum: the header
//   cannot be trusted, so parsing resynchronises on the next magic and the
//   bytes in between are damage; with no magic after it, the rest is the tail;
// * a payload CRC mismatch: skipped by its length when that lands on a magic
//   or the end of the data, resynchronised on the next magic otherwise;
// * good CRCs but an unknown version or malformed fields: skipped by length.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "amqp/message.hpp"

namespace rai::spool {

inline constexpr std::size_t k_spool_header_size = 16;
inline constexpr std::uint8_t k_spool_format_version = 1;
// Bigger payloads are refused by encode_spool_record (the spool answers
// too_large) and rejected by the parser: the gateway's bodies are far below.
inline constexpr std::size_t k_max_spool_payload = std::size_t{16} << 20;

enum class spool_damage_kind : std::uint8_t {
  bad_header,       // no magic, or a header CRC mismatch (resynchronised on the next magic)
  oversize,         // a good header whose length exceeds k_max_spool_payload (resynchronised)
  bad_crc,          // payload CRC mismatch
  bad_payload,      // good CRCs, but the fields do not fill the payload as version 1 says
  unknown_version,  // good CRCs, a payload version this reader does not know
};
const char* to_string(spool_damage_kind k) noexcept;

// A whole, valid record: data[offset, offset + size), header included.
struct spool_record_ref {
  std::size_t offset = 0;
  std::size_t size = 0;
};

// Bytes that are not a valid record. Adjacent damage of the same kind is
// reported as one span.
struct spool_damage {
  std::size_t offset = 0;
  std::size_t size = 0;
  spool_damage_kind kind = spool_damage_kind::bad_header;
};

struct spool_scan {
  std::vector<spool_record_ref> records;  // in file order
  std::vector<spool_damage> damage;       // in file order
  // Where the torn tail begins: an incomplete final record, or bytes with no
  // record start after them. data.size() when the data ends cleanly.
  std::size_t tail_offset = 0;
};

spool_scan parse_spool_records(std::span<const std::byte> data);

// The message in one whole record as parse_spool_records delimited it
// (data.subspan(ref.offset, ref.size)). Checks everything again, so any input
// is safe: nullopt when it is not one valid record.
std::optional<amqp::message> decode_spool_record(std::span<const std::byte> record);

// The record (header and payload) for `m`; nullopt when its payload would
// exceed k_max_spool_payload.
std::optional<std::vector<std::byte>> encode_spool_record(const amqp::message& m);

}  // namespace rai::spool
