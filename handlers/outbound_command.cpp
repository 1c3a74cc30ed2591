#include "handlers/outbound_command.hpp"

#include <charconv>
#include <cstdlib>

#include "crypto/aes.hpp"
#include "handlers/json_object.hpp"

namespace rai::handlers {
namespace {

bool header_safe(std::string_view s) noexcept {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7E) return false;
  }
  return true;
}

// The handshake members read_json_members looks for, in this order.
constexpr std::array<std::string_view, 4> handshake_fields = {"data", "sessionToken", "expiresIn",
                                                              "ttl"};
using handshake_members = std::array<std::optional<json_raw_member>, handshake_fields.size()>;

// A non-empty string member, decoded.
std::optional<std::string> string_member(const std::optional<json_raw_member>& m) {
  if (!m || m->kind != json_kind::string || m->value.empty()) return std::nullopt;
  std::string out;
  append_json_unescaped(out, m->value);
  return out;
}

// A positive integer member, in seconds, clamped to max_session_ttl (an
// integer of any size is read: a wider one is simply over the cap).
std::optional<std::chrono::seconds> positive_seconds(const std::optional<json_raw_member>& m) {
  if (!m || m->kind != json_kind::integer || m->value.front() == '-') return std::nullopt;
  const std::string_view digits = m->value;
  if (digits == "0") return std::nullopt;
  const auto cap = static_cast<std::uint64_t>(max_session_ttl.count());
  std::uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || ptr != digits.data() + digits.size() || n > cap) n = cap;
  return std::chrono::seconds{static_cast<std::int64_t>(n)};
}

}  // namespace

namespace {

// The label of each reason; empty past the last one. -Wswitch (an error
// here) makes every enumerator need a case.
constexpr std::string_view label(dead_reason r) noexcept {
  switch (r) {
    case dead_reason::rejected:
      return "rejected";
    case dead_reason::exhausted:
      return "exhausted";
    case dead_reason::no_target:
      return "no-target";
    case dead_reason::invalid:
      return "invalid";
  }
  return {};
}

// Metrics count dead letters in dead_reason_count slots labelled by
// to_string: every index below the count has a label, and none past it.
constexpr bool labels_fit_count() {
  for (std::size_t i = 0; i < dead_reason_count; ++i) {
    if (label(static_cast<dead_reason>(i)).empty()) return false;
  }
  return label(static_cast<dead_reason>(dead_reason_count)).empty();
}
static_assert(labels_fit_count(), "dead_reason_count must count the labelled dead_reason");

}  // namespace

std::string_view to_string(dead_reason r) noexcept {
  const std::string_view l = label(r);
  return l.empty() ? "invalid" : l;
}

std::string format_uuid_v4(const std::array<std::uint8_t, 16>& random) {
  constexpr char digits[] = "0123456789abcdef";
  std::array<std::uint8_t, 16> b = random;
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // variant 10xx
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += digits[b[i] >> 4];
    out += digits[b[i] & 0x0F];
  }
  return out;
}

std::string new_idempotency_key() {
  std::array<std::uint8_t, 16> random{};
  if (!crypto::random_bytes(random)) std::abort();
  return format_uuid_v4(random);
}

bool valid_idempotency_key(std::string_view key) noexcept {
  return !key.empty() && key.size() <= max_idempotency_key_length && header_safe(key);
}

bool is_json_object(std::string_view body) {
  json_fields fields;
  return read_json_object(body, body.size(), {}, fields);
}

bool valid_kind_name(std::string_view kind) noexcept {
  if (kind.empty() || kind.size() > 64) return false;
  for (const char c : kind) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

result<session_token> parse_handshake_response(std::string_view body) {
  // Read by the strict reader: a response is small and read once per token.
  handshake_members root;
  if (!read_json_members(body, handshake_fields, root)) {
    return make_error_code(outbound_errc::bad_handshake_response);
  }
  handshake_members data;
  const bool has_data = root[0] && root[0]->kind == json_kind::object &&
                        read_json_members(root[0]->value, handshake_fields, data);

  std::optional<std::string> token;
  if (has_data) token = string_member(data[1]);
  if (!token) token = string_member(root[1]);
  if (!token) return make_error_code(outbound_errc::missing_session_token);
  if (token->size() > max_session_token_length || !header_safe(*token)) {
    return make_error_code(outbound_errc::bad_session_token);
  }

  session_token out;
  out.token = std::move(*token);
  if (has_data) out.ttl = positive_seconds(data[2]);
  if (!out.ttl) out.ttl = positive_seconds(root[2]);
  if (!out.ttl && has_data) out.ttl = positive_seconds(data[3]);
  if (!out.ttl) out.ttl = positive_seconds(root[3]);
  return out;
}

}  // namespace rai::handlers
