#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "amqp/publisher_interface.hpp"
#include "config/config.hpp"
#include "gateway/inbound_metrics.hpp"
#include "gateway/shared_dedupe.hpp"
#include "handlers/source.hpp"
#include "http/net.hpp"
#include "spool/spool.hpp"
#include "tracing/span.hpp"

namespace rai::gateway {

// Answers POST /webhooks/{source}[/{event}]: runs the pure inbound pipeline
// (handlers/), claims the event id in the dedupe window (this replica's, and
// with dedupe.backend = "redis" the one replicas share), publishes to
// RabbitMQ and answers 200 only once the event is durable: confirmed by the
// broker or, when the broker fails or does not confirm in time, synced to the
// local spool (when there is one), which forwards it later.
//
// Trace context (docs/wire-format.md §8): each request is a server span, a
// child of the request's valid traceparent or the root of a new trace; the
// published message carries traceparent (same trace id, this span as parent)
// and the valid tracestate. The access line names the trace id.
class webhook_service {
 public:
  // `shared_window`: the Redis window of dedupe.backend = "redis" (it
  // outlives this), or null. `spans`: where each answered request's server
  // span goes when its trace is sampled (it outlives this; submit() is
  // called from every webhook thread), or null: no span is built.
  webhook_service(const gateway_config& config, amqp::message_publisher& publisher,
                  spool::spool* spool, inbound_metrics& metrics,
                  redis_dedupe_store* shared_window = nullptr, tracing::span_sink* spans = nullptr);

  // What the header alone decides (request_handler::check_header): the route,
  // the source, the method, the {event} segment, and the API key, signature
  // headers and x-encrypted (handlers::check_inbound_headers). A refusal is
  // answered, logged and counted like any response, and the body is never
  // read; nullopt lets the body be read and handle() decide.
  std::optional<http_response> check_header(const http::request_header<>& header);

  net::awaitable<http_response> handle(const http_request& request);

  // Swaps in the sources of a new config (SIGHUP): requests already running
  // finish with the table they started with. Thread-safe.
  void reload_sources(const std::vector<handlers::source_settings>& sources);

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct source_entry {
    handlers::source_settings settings;
    inbound_source_metrics* metrics;
  };
  using source_table = std::unordered_map<std::string, source_entry, string_hash, std::equal_to<>>;

  class call;  // one request's access record and counters (webhook_service.cpp)

  std::shared_ptr<const source_table> make_table(
      const std::vector<handlers::source_settings>& sources);

  std::atomic<std::shared_ptr<const source_table>> sources_;
  shared_dedupe dedupe_;
  amqp::message_publisher& publisher_;
  spool::spool* spool_;  // null: spool disabled
  inbound_metrics& metrics_;
  tracing::span_sink* spans_;  // null: spans are not exported
  std::string exchange_;
  std::chrono::seconds retry_after_;
};

}  // namespace rai::gateway
