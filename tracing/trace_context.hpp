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
std::string to_hex(const trace_id& id);
std::string to_hex(const span_id& id);

}  // namespace rai::tracing
