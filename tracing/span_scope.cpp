#include "tracing/span_scope.hpp"

#include <algorithm>

namespace rai::tracing {

bool span_scope::started_here() const noexcept {
  return std::all_of(parent.begin(), parent.end(), [](std::uint8_t b) { return b == 0; });
}

std::optional<trace_context> read_trace_headers(std::optional<std::string_view> traceparent,
                                                std::optional<std::string_view> tracestate) {
  if (!traceparent) return std::nullopt;
  auto context = parse_traceparent(*traceparent);
  if (context && tracestate && valid_tracestate(*tracestate)) context->tracestate = *tracestate;
  return context;
}

span_scope start_span(std::optional<trace_context> received, id_generator& ids) {
  span_scope s;
  s.id = ids.next_span_id();
  if (received) {
    s.trace = received->trace;
    s.parent = received->parent;
    s.flags = received->flags;
    s.tracestate = std::move(received->tracestate);
  } else {
    s.trace = ids.next_trace_id();
    s.flags = sampled_flag;
  }
  return s;
}

span_record make_span_record(const span_scope& scope, std::string name, span_kind kind,
                             std::chrono::system_clock::time_point start,
                             std::chrono::system_clock::time_point end) {
  span_record r;
  r.trace = scope.trace;
  r.id = scope.id;
  r.parent = scope.parent;
  r.name = std::move(name);
  r.kind = kind;
  r.start = start;
  r.end = end;
  return r;
}

}  // namespace rai::tracing
