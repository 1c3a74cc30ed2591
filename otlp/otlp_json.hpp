#pragma once

// The OTLP/HTTP JSON body of an ExportTraceServiceRequest
// (opentelemetry-proto, trace/v1): one resourceSpans entry with the
// service.name resource attribute, one scopeSpans entry, one span per record.
// Ids are lower-case hex, times are decimal strings of Unix nanoseconds, kind
// is the SpanKind number and status.code is 2 (ERROR) for a failed span. Pure.

#include <span>
#include <string>
#include <string_view>

#include "tracing/span.hpp"

namespace rai::otlp {

std::string encode_traces(std::span<const tracing::span_record> spans,
                          std::string_view service_name);

// SpanKind of opentelemetry-proto: SERVER = 2, CLIENT = 3, ...
int otlp_span_kind(tracing::span_kind kind) noexcept;

// Appends `s` as a JSON string literal: quotes, backslashes and control bytes
// escaped, and any byte that is not part of valid UTF-8 replaced by U+FFFD,
// so that a collector never rejects a batch for one bad attribute.
void append_json_string(std::string& out, std::string_view s);

}  // namespace rai::otlp
