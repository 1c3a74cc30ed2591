#pragma once

#include <string>

#include "gateway/inbound_metrics.hpp"
#include "gateway/metrics.hpp"
#include "gateway/outbound_metrics.hpp"
#include "gateway/redis_dedupe_store.hpp"

namespace rai::amqp {
class message_publisher;
class message_consumer;
}  // namespace rai::amqp
namespace rai::spool {
class spool;
}  // namespace rai::spool
namespace rai::otlp {
class span_exporter;
}  // namespace rai::otlp

namespace rai::gateway {

class listener;

// Process-wide facts that belong to no component.
struct process_metrics {
  std::string version;
  double start_time_seconds = 0;  // unix time
  metrics::counter reloads_succeeded;
  metrics::counter reloads_failed;
};

// Everything GET /metrics reads. Null pointers are skipped (no consumer when
// outbound is off; listeners before they open).
struct metrics_sources {
  const process_metrics* process = nullptr;
  const inbound_metrics* inbound = nullptr;
  const outbound_metrics* outbound = nullptr;
  const amqp::message_publisher* publisher = nullptr;
  const amqp::message_consumer* consumer = nullptr;
  const spool::spool* spool = nullptr;
  const dedupe_store_metrics* dedupe_store = nullptr;  // dedupe.backend = "redis" only
  const listener* webhook_listener = nullptr;
  const listener* admin_listener = nullptr;
  const listener* metrics_listener = nullptr;          // server.metrics_listen
  const otlp::span_exporter* span_exporter = nullptr;  // tracing.otlp_endpoint only
};

// The Prometheus text exposition (0.0.4) of every rai_gateway_* metric.
std::string render_metrics(const metrics_sources& from);

}  // namespace rai::gateway
