#pragma once

// One span of the gateway's own: continuing a received trace context, or
// starting a trace when there is none (docs/wire-format.md §8).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "tracing/ids.hpp"
#include "tracing/span.hpp"
#include "tracing/trace_context.hpp"

namespace rai::tracing {

inline constexpr std::uint8_t sampled_flag = 0x01;

struct span_scope {
  trace_id trace{};
  span_id id{};            // this span
  span_id parent{};        // the received parent-id; all zero: this span started the trace
  std::uint8_t flags = 0;  // as received (a started trace: sampled)
  std::string tracestate;  // as received when valid; empty otherwise

  bool sampled() const noexcept { return (flags & sampled_flag) != 0; }
  bool started_here() const noexcept;
  // The traceparent this span's children get: this trace, this span as parent.
  std::string child_traceparent() const { return format_traceparent(trace, id, flags); }
};

// The context a request or message carries, from its traceparent and
// tracestate header values (nullopt: absent, or present more than once).
// nullopt when traceparent is absent or invalid (parse_traceparent); a
// tracestate is kept only when valid_tracestate, and never without a valid
// traceparent (W3C Trace Context §3.3.1).
std::optional<trace_context> read_trace_headers(std::optional<std::string_view> traceparent,
                                                std::optional<std::string_view> tracestate);

// A span continuing `received` (its trace id, flags and tracestate, its
// parent-id as parent), or the root span of a new sampled trace without one.
span_scope start_span(std::optional<trace_context> received, id_generator& ids);

// The finished span as exported: `scope`'s ids, the given name, kind and times.
span_record make_span_record(const span_scope& scope, std::string name, span_kind kind,
                             std::chrono::system_clock::time_point start,
                             std::chrono::system_clock::time_point end);

}  // namespace rai::tracing
