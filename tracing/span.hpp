#pragma once

// One finished span, as the gateway records it for export (otlp/).

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "tracing/trace_context.hpp"

namespace rai::tracing {

enum class span_kind { server, client, producer, consumer, internal };

struct span_record {
  trace_id trace{};
  span_id id{};
  span_id parent{};  // all zero: a root span
  std::string name;  // e.g. "POST /webhooks/{source}", "POST channel-message"
  span_kind kind = span_kind::internal;
  std::chrono::system_clock::time_point start;
  std::chrono::system_clock::time_point end;
  bool error = false;
  std::vector<std::pair<std::string, std::string>> attributes;  // string-valued
};

// Where finished spans go. submit() must never block and never throw: an
// exporter that cannot keep up drops.
class span_sink {
 public:
  virtual ~span_sink() = default;
  virtual void submit(span_record span) noexcept = 0;

 protected:
  span_sink() = default;
  span_sink(const span_sink&) = default;
  span_sink& operator=(const span_sink&) = default;
};

}  // namespace rai::tracing
