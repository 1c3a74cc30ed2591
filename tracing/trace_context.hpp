#pragma once

// W3C Trace Context (https://www.w3.org/TR/trace-context/) as
// docs/wire-format.md §8 uses it: the traceparent / tracestate an inbound
// webhook carries into the published message's headers, and a command's
// traceparent sent on every HTTP attempt to Returning.AI. Pure: no sockets,
// no logging.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rai::tracing {

using trace_id = std::array<std::uint8_t, 16>;
using span_id = std::array<std::uint8_t, 8>;

struct trace_context {
  trace_id trace{};
  span_id parent{};        // the span this context names (the parent of a child span)
  std::uint8_t flags = 0;  // bit 0: sampled
  std::string tracestate;  // kept as received when valid; empty otherwise

  bool operator==(const trace_context&) const = default;
};

// "00-<32 hex>-<16 hex>-<2 hex>", lower-case; nullopt when malformed, when
// the trace id or parent id is all zero, or the version is ff.
std::optional<trace_context> parse_traceparent(std::string_view header);
std::string format_traceparent(const trace_context& c);
// The same from its parts, without copying a tracestate.
std::string format_traceparent(const trace_id& trace, const span_id& parent, std::uint8_t flags);
std::string to_hex(const trace_id& id);
std::string to_hex(const span_id& id);
// The 32 hex digits without an allocation (an access-log field).
std::array<char, 32> hex_chars(const trace_id& id) noexcept;

inline constexpr std::size_t max_tracestate_length = 512;

// A tracestate the gateway carries on: at most max_tracestate_length
// characters and 32 list-members, each `key=value` as W3C Trace Context §3.3
// defines them (key: lower-case simple or tenant@system key; value: 1-256
// printable ASCII characters other than ',' and '=', not ending in a space);
// empty members and spaces or tabs around members are allowed. Anything else
// (controls, non-ASCII, a bare word) makes the whole header invalid: it is
// dropped, never partly kept.
bool valid_tracestate(std::string_view header) noexcept;

}  // namespace rai::tracing
