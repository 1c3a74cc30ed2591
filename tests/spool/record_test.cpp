// The spool's record format and its pure parser (no files, no broker).

#include "spool/record.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "spool/crc32c.hpp"
#include "tests/spool/test_support.hpp"

namespace rai::spool {

using namespace rai::amqp;  // message, publisher, names: what the spool forwards through
namespace {

using bytes = std::vector<std::byte>;

std::span<const std::byte> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

bytes encode(const message& m) {
  auto r = encode_spool_record(m);
  EXPECT_TRUE(r.has_value());
  return r.value_or(bytes{});
}

// Records for sample messages 0..n-1, back to back; `ends` gets each record's end offset.
bytes stream_of(std::size_t n, std::vector<std::size_t>* ends = nullptr) {
  bytes out;
  for (std::size_t i = 0; i < n; ++i) {
    const bytes r = encode(test::sample_message(i, "returning.default.test", i * 7 % 50));
    out.insert(out.end(), r.begin(), r.end());
    if (ends != nullptr) ends->push_back(out.size());
  }
  return out;
}

void expect_same(const message& a, const message& b) {
  EXPECT_EQ(a.exchange, b.exchange);
  EXPECT_EQ(a.routing_key, b.routing_key);
  EXPECT_EQ(a.message_id, b.message_id);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.content_type, b.content_type);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.headers, b.headers);
  EXPECT_EQ(a.body, b.body);
}

std::vector<std::string> ids_of(const bytes& data, const spool_scan& scan) {
  std::vector<std::string> ids;
  for (const spool_record_ref& r : scan.records) {
    auto m = decode_spool_record(std::span<const std::byte>(data).subspan(r.offset, r.size));
    ids.push_back(m ? m->message_id : "<undecodable>");
  }
  return ids;
}

void store_le32(std::byte* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}

// --- CRC32C ---------------------------------------------------------------------

TEST(SpoolCrc32c, KnownAnswers) {
  EXPECT_EQ(crc32c(as_bytes("")), 0x00000000u);
  EXPECT_EQ(crc32c(as_bytes("a")), 0xC1D04330u);
  EXPECT_EQ(crc32c(as_bytes("123456789")), 0xE3069283u);  // the check value of CRC-32C
  EXPECT_EQ(crc32c(as_bytes("The quick brown fox jumps over the lazy dog")), 0x22620404u);
  // RFC 3720, B.4
  bytes v(32, std::byte{0});
  EXPECT_EQ(crc32c(v), 0x8A9136AAu);
  std::fill(v.begin(), v.end(), std::byte{0xFF});
  EXPECT_EQ(crc32c(v), 0x62A8AB43u);
  for (std::size_t i = 0; i < 32; ++i) v[i] = static_cast<std::byte>(i);
  EXPECT_EQ(crc32c(v), 0x46DD794Eu);
  for (std::size_t i = 0; i < 32; ++i) v[i] = static_cast<std::byte>(31 - i);
  EXPECT_EQ(crc32c(v), 0x113FDB5Cu);
}

TEST(SpoolCrc32c, ExtendMatchesOneShotAtEverySplit) {
  bytes data(1000);
  std::minstd_rand rng(7);
  for (auto& b : data) b = static_cast<std::byte>(rng());
  const std::uint32_t whole = crc32c(data);
  const std::span<const std::byte> all(data);
  for (std::size_t split = 0; split <= 40; ++split) {
    EXPECT_EQ(crc32c_extend(crc32c(all.first(split)), all.subspan(split)), whole) << split;
  }
  EXPECT_EQ(crc32c_extend(crc32c(all.first(777)), all.subspan(777)), whole);
}

// --- format ---------------------------------------------------------------------

TEST(SpoolRecord, RoundTripKeepsEveryField) {
  message m = test::sample_message(42);
  m.exchange = "";  // the default exchange is a valid target
  m.content_type = "";
  m.timestamp = -5;
  m.body = std::string("bin\0\xF5RSP\xff", 9);  // binary body, even with the magic in it
  m.headers.emplace_back("empty", "");
  const bytes r = encode(m);
  const spool_scan scan = parse_spool_records(r);
  ASSERT_EQ(scan.records.size(), 1u);
  EXPECT_EQ(scan.records[0].offset, 0u);
  EXPECT_EQ(scan.records[0].size, r.size());
  EXPECT_TRUE(scan.damage.empty());
  EXPECT_EQ(scan.tail_offset, r.size());
  const auto back = decode_spool_record(r);
  ASSERT_TRUE(back.has_value());
  expect_same(*back, m);
}

TEST(SpoolRecord, HeaderLayoutIsAsDocumented) {
  const bytes r = encode(test::sample_message(1));
  ASSERT_GE(r.size(), k_spool_header_size + 1);
  const unsigned char magic[] = {0xF5, 0x52, 0x53, 0x50};
  EXPECT_EQ(std::memcmp(r.data(), magic, 4), 0);
  const auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<std::uint8_t>(r[at + i]);
    return v;
  };
  const std::span<const std::byte> all(r);
  EXPECT_EQ(u32(4), r.size() - k_spool_header_size);
  EXPECT_EQ(u32(8), crc32c(all.subspan(k_spool_header_size)));
  EXPECT_EQ(u32(12), crc32c(all.first(12)));
  EXPECT_EQ(static_cast<std::uint8_t>(r[k_spool_header_size]), k_spool_format_version);
}

TEST(SpoolRecord, ManyRecordsRoundTripInOrder) {
  const bytes data = stream_of(100);
  const spool_scan scan = parse_spool_records(data);
  ASSERT_EQ(scan.records.size(), 100u);
  EXPECT_TRUE(scan.damage.empty());
  EXPECT_EQ(scan.tail_offset, data.size());
  const auto ids = ids_of(data, scan);
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], "evt-" + std::to_string(i));
}

TEST(SpoolRecord, EmptyInputIsClean) {
  const spool_scan scan = parse_spool_records({});
  EXPECT_TRUE(scan.records.empty());
  EXPECT_TRUE(scan.damage.empty());
  EXPECT_EQ(scan.tail_offset, 0u);
}

TEST(SpoolRecord, TruncationAtEveryOffsetKeepsWholeRecordsAndFindsTheTornTail) {
  std::vector<std::size_t> ends;
  const bytes data = stream_of(6, &ends);
  for (std::size_t cut = 0; cut <= data.size(); ++cut) {
    const spool_scan scan = parse_spool_records(std::span<const std::byte>(data).first(cut));
    std::size_t whole = 0;
    while (whole < ends.size() && ends[whole] <= cut) ++whole;
    const std::size_t boundary = whole == 0 ? 0 : ends[whole - 1];
    ASSERT_EQ(scan.records.size(), whole) << "cut at " << cut;
    EXPECT_TRUE(scan.damage.empty()) << "cut at " << cut;
    EXPECT_EQ(scan.tail_offset, boundary) << "cut at " << cut;
  }
}

TEST(SpoolRecord, CorruptPayloadInTheMiddleIsReportedAndSkipped) {
  std::vector<std::size_t> ends;
  bytes data = stream_of(5, &ends);
  // A byte in the body of record 2.
  data[ends[2] - 5] ^= std::byte{0x01};
  const spool_scan scan = parse_spool_records(data);
  EXPECT_EQ(ids_of(data, scan), (std::vector<std::string>{"evt-0", "evt-1", "evt-3", "evt-4"}));
  ASSERT_EQ(scan.damage.size(), 1u);
  EXPECT_EQ(scan.damage[0].kind, spool_damage_kind::bad_crc);
  EXPECT_EQ(scan.damage[0].offset, ends[1]);
  EXPECT_EQ(scan.damage[0].size, ends[2] - ends[1]);
  EXPECT_EQ(scan.tail_offset, data.size());
}

TEST(SpoolRecord, CorruptLengthResynchronisesOnTheNextMagic) {
  std::vector<std::size_t> ends;
  bytes data = stream_of(5, &ends);
  data[ends[1] + 5] ^= std::byte{0x40};  // record 2's length: the header CRC catches it
  const spool_scan scan = parse_spool_records(data);
  EXPECT_EQ(ids_of(data, scan), (std::vector<std::string>{"evt-0", "evt-1", "evt-3", "evt-4"}));
  ASSERT_EQ(scan.damage.size(), 1u);
  EXPECT_EQ(scan.damage[0].kind, spool_damage_kind::bad_header);
  EXPECT_EQ(scan.damage[0].offset, ends[1]);
  EXPECT_EQ(scan.damage[0].size, ends[2] - ends[1]);
  EXPECT_EQ(scan.tail_offset, data.size());
}

TEST(SpoolRecord, GarbageBetweenRecordsIsOneDamagedSpan) {
  std::vector<std::size_t> ends;
  const bytes good = stream_of(3, &ends);
  bytes data(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(ends[0]));
  data.insert(data.end(), 100, std::byte{0});  // e.g. a zero-filled block after a crash
  data.insert(data.end(), good.begin() + static_cast<std::ptrdiff_t>(ends[0]), good.end());
  const spool_scan scan = parse_spool_records(data);
  EXPECT_EQ(ids_of(data, scan), (std::vector<std::string>{"evt-0", "evt-1", "evt-2"}));
  ASSERT_EQ(scan.damage.size(), 1u);
  EXPECT_EQ(scan.damage[0].offset, ends[0]);
  EXPECT_EQ(scan.damage[0].size, 100u);
  EXPECT_EQ(scan.tail_offset, data.size());
}

TEST(SpoolRecord, TrailingGarbageIsTheTail) {
  std::vector<std::size_t> ends;
  bytes data = stream_of(2, &ends);
  data.insert(data.end(), 40, std::byte{0});
  const spool_scan scan = parse_spool_records(data);
  EXPECT_EQ(scan.records.size(), 2u);
  EXPECT_TRUE(scan.damage.empty());
  EXPECT_EQ(scan.tail_offset, ends[1]);
}

TEST(SpoolRecord, OversizeLengthIsRejectedEvenWithAGoodHeaderCrc) {
  std::vector<std::size_t> ends;
  bytes data = stream_of(3, &ends);
  std::byte* h = data.data() + ends[0];
  store_le32(h + 4, static_cast<std::uint32_t>(k_max_spool_payload + 1));
  store_le32(h + 12, crc32c({h, 12}));
  const spool_scan scan = parse_spool_records(data);
  EXPECT_EQ(ids_of(data, scan), (std::vector<std::string>{"evt-0", "evt-2"}));
  ASSERT_EQ(scan.damage.size(), 1u);
  EXPECT_EQ(scan.damage[0].kind, spool_damage_kind::oversize);
  EXPECT_EQ(scan.tail_offset, data.size());

  // A lone oversize header at the end: no record follows, so it is the tail,
  // and nothing is sized from its length.
  bytes lone(h, h + k_spool_header_size);
  const spool_scan tail = parse_spool_records(lone);
  EXPECT_TRUE(tail.records.empty());
  EXPECT_EQ(tail.tail_offset, 0u);
}

TEST(SpoolRecord, EncodeRefusesAnOversizePayload) {
  message m = test::sample_message(1);
  m.body.assign(k_max_spool_payload, 'x');
  EXPECT_FALSE(encode_spool_record(m).has_value());
  m.body.resize(k_max_spool_payload - 1000);
  const auto r = encode_spool_record(m);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(parse_spool_records(*r).records.size(), 1u);
}

TEST(SpoolRecord, GoodCrcsAroundAnUnknownVersionOrMalformedFieldsAreSkippedByLength) {
  const auto reseal = [](bytes& r) {
    std::byte* h = r.data();
    const std::span<const std::byte> payload(r.data() + k_spool_header_size,
                                             r.size() - k_spool_header_size);
    store_le32(h + 8, crc32c(payload));
    store_le32(h + 12, crc32c({h, 12}));
  };
  bytes future = encode(test::sample_message(1));
  future[k_spool_header_size] = std::byte{2};
  reseal(future);
  bytes malformed = encode(test::sample_message(2));
  store_le32(malformed.data() + k_spool_header_size + 9, 0xFFFFFFF0u);  // exchange length
  reseal(malformed);
  bytes data = encode(test::sample_message(0));
  data.insert(data.end(), future.begin(), future.end());
  data.insert(data.end(), malformed.begin(), malformed.end());
  const bytes last = encode(test::sample_message(3));
  data.insert(data.end(), last.begin(), last.end());

  const spool_scan scan = parse_spool_records(data);
  EXPECT_EQ(ids_of(data, scan), (std::vector<std::string>{"evt-0", "evt-3"}));
  ASSERT_EQ(scan.damage.size(), 2u);
  EXPECT_EQ(scan.damage[0].kind, spool_damage_kind::unknown_version);
  EXPECT_EQ(scan.damage[1].kind, spool_damage_kind::bad_payload);
  EXPECT_FALSE(decode_spool_record(future).has_value());
  EXPECT_FALSE(decode_spool_record(malformed).has_value());
}

TEST(SpoolRecord, DecodeRejectsAnythingButOneValidRecord) {
  const bytes r = encode(test::sample_message(1));
  const std::span<const std::byte> all(r);
  EXPECT_FALSE(decode_spool_record({}).has_value());
  EXPECT_FALSE(decode_spool_record(all.first(r.size() - 1)).has_value());
  bytes longer = r;
  longer.push_back(std::byte{0});
  EXPECT_FALSE(decode_spool_record(longer).has_value());
  for (std::size_t i = 0; i < r.size(); ++i) {
    bytes flipped = r;
    flipped[i] ^= std::byte{0x10};
    EXPECT_FALSE(decode_spool_record(flipped).has_value()) << "byte " << i;
  }
}

// Invariants on any input: offsets in bounds, records and damage in order
// and disjoint, everything before the tail accounted for, every record decodable.
void check_invariants(const bytes& data) {
  const spool_scan scan = parse_spool_records(data);
  ASSERT_LE(scan.tail_offset, data.size());
  std::size_t covered = 0;
  std::size_t ri = 0, di = 0;
  while (ri < scan.records.size() || di < scan.damage.size()) {
    const bool take_record =
        di == scan.damage.size() ||
        (ri < scan.records.size() && scan.records[ri].offset < scan.damage[di].offset);
    const std::size_t offset = take_record ? scan.records[ri].offset : scan.damage[di].offset;
    const std::size_t size = take_record ? scan.records[ri].size : scan.damage[di].size;
    ASSERT_EQ(offset, covered);
    ASSERT_GT(size, 0u);
    ASSERT_LE(offset + size, scan.tail_offset);
    if (take_record) {
      ASSERT_TRUE(decode_spool_record(std::span<const std::byte>(data).subspan(offset, size)));
      ++ri;
    } else {
      ++di;
    }
    covered = offset + size;
  }
  ASSERT_EQ(covered, scan.tail_offset);
}

TEST(SpoolRecord, RandomBytesNeverCrash) {
  std::mt19937 rng(12345);
  for (int round = 0; round < 2000; ++round) {
    bytes data(rng() % 512);
    for (auto& b : data) b = static_cast<std::byte>(rng());
    check_invariants(data);
  }
}

TEST(SpoolRecord, MutatedStreamsNeverCrash) {
  std::mt19937 rng(777);
  const bytes good = stream_of(8);
  for (int round = 0; round < 3000; ++round) {
    bytes data = good;
    const int edits = 1 + static_cast<int>(rng() % 6);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:  // flip a byte
          data[rng() % data.size()] ^= static_cast<std::byte>(1 + rng() % 255);
          break;
        case 1:  // cut
          data.resize(rng() % (data.size() + 1));
          break;
        case 2:  // duplicate a stretch
          if (!data.empty()) {
            const std::size_t at = rng() % data.size();
            const std::size_t n = std::min<std::size_t>(rng() % 64, data.size() - at);
            bytes copy(data.begin() + static_cast<std::ptrdiff_t>(at),
                       data.begin() + static_cast<std::ptrdiff_t>(at + n));
            data.insert(data.begin() + static_cast<std::ptrdiff_t>(rng() % (data.size() + 1)),
                        copy.begin(), copy.end());
          }
          break;
        default:  // drop a stretch
          if (!data.empty()) {
            const std::size_t at = rng() % data.size();
            const std::size_t n = std::min<std::size_t>(rng() % 64, data.size() - at);
            data.erase(data.begin() + static_cast<std::ptrdiff_t>(at),
                       data.begin() + static_cast<std::ptrdiff_t>(at + n));
          }
          break;
      }
      if (data.empty()) break;
    }
    check_invariants(data);
  }
}

}  // namespace
}  // namespace rai::spool
