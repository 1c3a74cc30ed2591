#include "spool/record.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <string_view>

#include "spool/crc32c.hpp"

namespace rai::spool {

namespace {

constexpr std::array<std::byte, 4> k_magic{std::byte{0xF5}, std::byte{0x52}, std::byte{0x53},
                                           std::byte{0x50}};
constexpr std::size_t k_crc_covered_header = 12;  // magic, length, payload_crc
constexpr std::size_t k_npos = static_cast<std::size_t>(-1);

std::uint32_t load_u32(const std::byte* p) noexcept {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

std::uint64_t load_u64(const std::byte* p) noexcept {
  return static_cast<std::uint64_t>(load_u32(p)) | static_cast<std::uint64_t>(load_u32(p + 4))
                                                       << 32;
}

void store_u32(std::byte* p, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}

void store_u64(std::byte* p, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}

bool magic_at(std::span<const std::byte> data, std::size_t pos) noexcept {
  return data.size() - pos >= k_magic.size() &&
         std::equal(k_magic.begin(), k_magic.end(),
                    data.begin() + static_cast<std::ptrdiff_t>(pos));
}

// True when a record may start at `pos`: the end of the data, a magic, or
// the beginning of one cut off by the end.
bool record_boundary(std::span<const std::byte> data, std::size_t pos) noexcept {
  const std::size_t left = data.size() - pos;
  const std::size_t n = std::min(left, k_magic.size());
  return std::equal(k_magic.begin(), k_magic.begin() + static_cast<std::ptrdiff_t>(n),
                    data.begin() + static_cast<std::ptrdiff_t>(pos));
}

std::size_t find_magic(std::span<const std::byte> data, std::size_t from) noexcept {
  if (from >= data.size()) return k_npos;
  const auto it = std::search(data.begin() + static_cast<std::ptrdiff_t>(from), data.end(),
                              k_magic.begin(), k_magic.end());
  return it == data.end() ? k_npos : static_cast<std::size_t>(it - data.begin());
}

// Reads the fields of a payload in order; every read is bounds-checked.
class field_reader {
 public:
  explicit field_reader(std::span<const std::byte> data) : data_(data) {}

  bool u8(std::uint8_t& v) {
    if (left() < 1) return false;
    v = static_cast<std::uint8_t>(data_[pos_++]);
    return true;
  }
  bool u32(std::uint32_t& v) {
    if (left() < 4) return false;
    v = load_u32(data_.data() + pos_);
    pos_ += 4;
    return true;
  }
  bool i64(std::int64_t& v) {
    if (left() < 8) return false;
    v = static_cast<std::int64_t>(load_u64(data_.data() + pos_));
    pos_ += 8;
    return true;
  }
  bool str(std::string_view& v) {
    std::uint32_t n = 0;
    if (!u32(n) || left() < n) return false;
    v = std::string_view(reinterpret_cast<const char*>(data_.data() + pos_), n);
    pos_ += n;
    return true;
  }
  std::size_t left() const noexcept { return data_.size() - pos_; }

 private:
  std::span<const std::byte> data_;
  std::size_t pos_ = 0;
};

// Walks a payload; fills `out` when it is not null. nullopt = well formed.
std::optional<spool_damage_kind> read_payload(std::span<const std::byte> payload,
                                              amqp::message* out) {
  field_reader r(payload);
  std::uint8_t version = 0;
  if (!r.u8(version)) return spool_damage_kind::bad_payload;
  if (version != k_spool_format_version) return spool_damage_kind::unknown_version;

  std::int64_t timestamp = 0;
  std::string_view exchange, routing_key, message_id, type, content_type;
  std::uint32_t header_count = 0;
  if (!r.i64(timestamp) || !r.str(exchange) || !r.str(routing_key) || !r.str(message_id) ||
      !r.str(type) || !r.str(content_type) || !r.u32(header_count)) {
    return spool_damage_kind::bad_payload;
  }
  if (out != nullptr) {
    out->timestamp = timestamp;
    out->exchange = exchange;
    out->routing_key = routing_key;
    out->message_id = message_id;
    out->type = type;
    out->content_type = content_type;
    out->headers.clear();
    // Each header takes at least 8 bytes, so this never reserves more than
    // the payload could hold.
    out->headers.reserve(std::min<std::size_t>(header_count, r.left() / 8));
  }
  for (std::uint32_t i = 0; i < header_count; ++i) {
    std::string_view name, value;
    if (!r.str(name) || !r.str(value)) return spool_damage_kind::bad_payload;
    if (out != nullptr) out->headers.emplace_back(name, value);
  }
  std::string_view body;
  if (!r.str(body) || r.left() != 0) return spool_damage_kind::bad_payload;
  if (out != nullptr) out->body = body;
  return std::nullopt;
}

enum class header_check { good, bad, oversize };

header_check check_header(const std::byte* h, std::uint32_t& length) noexcept {
  if (crc32c({h, k_crc_covered_header}) != load_u32(h + 12)) return header_check::bad;
  length = load_u32(h + 4);
  return length > k_max_spool_payload ? header_check::oversize : header_check::good;
}

class scanner {
 public:
  explicit scanner(std::span<const std::byte> data) : data_(data) {}

  spool_scan run() {
    while (pos_ < data_.size() && step()) {
    }
    out_.tail_offset = pos_;
    return std::move(out_);
  }

 private:
  // One record or one damaged span; false when the rest is the tail.
  bool step() {
    if (data_.size() - pos_ < k_spool_header_size) return false;
    const std::byte* h = data_.data() + pos_;
    if (!magic_at(data_, pos_)) return resync(spool_damage_kind::bad_header);
    std::uint32_t length = 0;
    switch (check_header(h, length)) {
      case header_check::bad:
        return resync(spool_damage_kind::bad_header);
      case header_check::oversize:
        return resync(spool_damage_kind::oversize);
      case header_check::good:
        break;
    }
    if (length > data_.size() - pos_ - k_spool_header_size) return false;  // torn
    const std::size_t size = k_spool_header_size + length;
    const auto payload = data_.subspan(pos_ + k_spool_header_size, length);
    if (crc32c(payload) != load_u32(h + 8)) {
      if (!record_boundary(data_, pos_ + size)) return resync(spool_damage_kind::bad_crc);
      skip(size, spool_damage_kind::bad_crc);
      return true;
    }
    if (const auto bad = read_payload(payload, nullptr)) {
      skip(size, *bad);
      return true;
    }
    out_.records.push_back({pos_, size});
    pos_ += size;
    return true;
  }

  bool resync(spool_damage_kind kind) {
    const std::size_t next = find_magic(data_, pos_ + 1);
    if (next == k_npos) return false;
    skip(next - pos_, kind);
    return true;
  }

  void skip(std::size_t size, spool_damage_kind kind) {
    if (!out_.damage.empty()) {
      spool_damage& last = out_.damage.back();
      if (last.kind == kind && last.offset + last.size == pos_) {
        last.size += size;
        pos_ += size;
        return;
      }
    }
    out_.damage.push_back({pos_, size, kind});
    pos_ += size;
  }

  std::span<const std::byte> data_;
  std::size_t pos_ = 0;
  spool_scan out_;
};

// Appends the str encoding of `s`.
std::byte* put_str(std::byte* p, std::string_view s) noexcept {
  store_u32(p, static_cast<std::uint32_t>(s.size()));
  if (!s.empty()) std::memcpy(p + 4, s.data(), s.size());
  return p + 4 + s.size();
}

}  // namespace

const char* to_string(spool_damage_kind k) noexcept {
  switch (k) {
    case spool_damage_kind::bad_header:
      return "bad header";
    case spool_damage_kind::oversize:
      return "oversize length";
    case spool_damage_kind::bad_crc:
      return "CRC mismatch";
    case spool_damage_kind::bad_payload:
      return "malformed payload";
    case spool_damage_kind::unknown_version:
      return "unknown version";
  }
  return "unknown";
}

spool_scan parse_spool_records(std::span<const std::byte> data) {
  return scanner(data).run();
}

std::optional<amqp::message> decode_spool_record(std::span<const std::byte> record) {
  if (record.size() < k_spool_header_size || !magic_at(record, 0)) return std::nullopt;
  std::uint32_t length = 0;
  if (check_header(record.data(), length) != header_check::good ||
      length != record.size() - k_spool_header_size) {
    return std::nullopt;
  }
  const auto payload = record.subspan(k_spool_header_size);
  if (crc32c(payload) != load_u32(record.data() + 8)) return std::nullopt;
  amqp::message m;
  if (read_payload(payload, &m)) return std::nullopt;
  return m;
}

std::optional<std::vector<std::byte>> encode_spool_record(const amqp::message& m) {
  const std::string_view strings[] = {m.exchange, m.routing_key,  m.message_id,
                                      m.type,     m.content_type, m.body};
  // Summed with a check per field, so no size can wrap around.
  std::size_t payload = 1 + 8 + 4;
  const auto add = [&payload](std::size_t n) {
    if (n > k_max_spool_payload - payload) return false;
    payload += n;
    return true;
  };
  for (std::string_view s : strings) {
    if (!add(4) || !add(s.size())) return std::nullopt;
  }
  for (const auto& [name, value] : m.headers) {
    if (!add(8) || !add(name.size()) || !add(value.size())) return std::nullopt;
  }

  std::vector<std::byte> record(k_spool_header_size + payload);
  std::byte* p = record.data() + k_spool_header_size;
  *p++ = std::byte{k_spool_format_version};
  store_u64(p, static_cast<std::uint64_t>(m.timestamp));
  p += 8;
  for (std::string_view s : {m.exchange, m.routing_key, m.message_id, m.type, m.content_type}) {
    p = put_str(p, s);
  }
  store_u32(p, static_cast<std::uint32_t>(m.headers.size()));
  p += 4;
  for (const auto& [name, value] : m.headers) {
    p = put_str(p, name);
    p = put_str(p, value);
  }
  put_str(p, m.body);

  std::byte* h = record.data();
  std::copy(k_magic.begin(), k_magic.end(), h);
  store_u32(h + 4, static_cast<std::uint32_t>(payload));
  store_u32(h + 8, crc32c({h + k_spool_header_size, payload}));
  store_u32(h + 12, crc32c({h, k_crc_covered_header}));
  return record;
}

}  // namespace rai::spool
