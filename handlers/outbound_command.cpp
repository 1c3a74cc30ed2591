#include "handlers/outbound_command.hpp"

#include <cstdlib>

#include <simdjson.h>

#include "crypto/aes.hpp"

namespace rai::handlers {
namespace {

simdjson::dom::parser& json_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// The document stays valid until the next parse on this thread.
bool parse_object(std::string_view body, simdjson::dom::object& out) {
  const simdjson::padded_string padded(body);
  return !json_parser().parse(padded).get_object().get(out);
}

bool header_safe(std::string_view s) noexcept {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7E) return false;
  }
  return true;
}

// A non-empty string member `name` of `obj`.
std::optional<std::string_view> string_member(simdjson::dom::object obj, std::string_view name) {
  std::string_view s;
  if (obj[name].get_string().get(s) || s.empty()) return std::nullopt;
  return s;
}

// A positive integer member `name` of `obj`, in seconds.
std::optional<std::chrono::seconds> positive_seconds(simdjson::dom::object obj,
                                                     std::string_view name) {
  simdjson::dom::element v;
  if (obj[name].get(v)) return std::nullopt;
  std::uint64_t n = 0;
  if (v.is_int64()) {
    const std::int64_t i = v.get_int64().value_unsafe();
    if (i <= 0) return std::nullopt;
    n = static_cast<std::uint64_t>(i);
  } else if (v.is_uint64()) {
    n = v.get_uint64().value_unsafe();
  } else {
    return std::nullopt;
  }
  const auto cap = static_cast<std::uint64_t>(max_session_ttl.count());
  return std::chrono::seconds{static_cast<std::int64_t>(n < cap ? n : cap)};
}

}  // namespace

std::string_view to_string(dead_reason r) noexcept {
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
  return "invalid";
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
  simdjson::dom::object obj;
  return parse_object(body, obj);
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
  simdjson::dom::object root;
  if (!parse_object(body, root)) return make_error_code(outbound_errc::bad_handshake_response);

  simdjson::dom::object data;
  const bool has_data = !root["data"].get_object().get(data);

  std::optional<std::string_view> token;
  if (has_data) token = string_member(data, "sessionToken");
  if (!token) token = string_member(root, "sessionToken");
  if (!token) return make_error_code(outbound_errc::missing_session_token);
  if (token->size() > max_session_token_length || !header_safe(*token)) {
    return make_error_code(outbound_errc::bad_session_token);
  }

  session_token out;
  out.token = std::string(*token);
  if (has_data) out.ttl = positive_seconds(data, "expiresIn");
  if (!out.ttl) out.ttl = positive_seconds(root, "expiresIn");
  if (!out.ttl && has_data) out.ttl = positive_seconds(data, "ttl");
  if (!out.ttl) out.ttl = positive_seconds(root, "ttl");
  return out;
}

}  // namespace rai::handlers
