#pragma once

// Checks and small parsers for outbound commands (docs/wire-format.md §7): dead-letter
// reasons, idempotency keys, kind names, payload shape, and the workflow
// handshake response.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "handlers/errc.hpp"
#include "handlers/outbound_errc.hpp"

namespace rai::handlers {

// Why a command went to returning.outbound.dead (header x-dead-reason).
enum class dead_reason { rejected, exhausted, no_target, invalid };
inline constexpr std::size_t dead_reason_count = 4;

// "rejected", "exhausted", "no-target", "invalid".
std::string_view to_string(dead_reason r) noexcept;

// Lowercase UUID v4 text (8-4-4-4-12) made from 16 random bytes: the version
// nibble is forced to 4 and the variant bits to 10xx.
std::string format_uuid_v4(const std::array<std::uint8_t, 16>& random);

// format_uuid_v4 over crypto::random_bytes. The CSPRNG failing means the
// process cannot do any cryptography; this aborts rather than hand out a
// predictable key.
std::string new_idempotency_key();

inline constexpr std::size_t max_idempotency_key_length = 200;

// Usable as an Idempotency-Key / AMQP message_id: 1..200 bytes, each a visible
// ASCII character 0x21..0x7E (no space, CR, LF or other controls: it goes into
// an HTTP header).
bool valid_idempotency_key(std::string_view key) noexcept;

// The body is one RFC 8259 JSON object, surrounding whitespace allowed, with
// numbers of any size (handlers/json_object.hpp: read_json_object).
bool is_json_object(std::string_view body);

// A command kind: 1..64 characters of a-z 0-9 '-'.
bool valid_kind_name(std::string_view kind) noexcept;

// A workflow session token and, when the response said so, how long it lives.
struct session_token {
  std::string token;
  std::optional<std::chrono::seconds> ttl;
};

inline constexpr std::size_t max_session_token_length = 8192;
inline constexpr std::chrono::seconds max_session_ttl{24 * 60 * 60};

// Reads a workflow handshake response. Token: data.sessionToken, else the
// top-level sessionToken (older responses); it must be a non-empty string.
// TTL: the first of data.expiresIn, expiresIn, data.ttl, ttl that is a positive
// JSON integer (seconds), clamped to max_session_ttl; none → nullopt (the
// caller applies its default). Errors: bad_handshake_response (not a JSON
// object), missing_session_token, bad_session_token (over
// max_session_token_length or a byte outside 0x21..0x7E, since it is sent as
// the x-session-token header).
result<session_token> parse_handshake_response(std::string_view body);

}  // namespace rai::handlers
