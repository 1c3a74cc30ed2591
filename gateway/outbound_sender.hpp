#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "gateway/outbound_metrics.hpp"
#include "gateway/work_gate.hpp"
#include "handlers/outbound_command.hpp"
#include "handlers/outbound_retry.hpp"
#include "http/net.hpp"
#include "tracing/span.hpp"
#include "tracing/trace_context.hpp"

namespace rai::amqp {
class message_publisher;
class message_consumer;
struct delivery;
struct message;
}  // namespace rai::amqp

namespace rai::gateway {

class http_client;
struct http_outcome;
struct handshake_result;
struct outbound_target;
struct attempt_result;

// Delivers commands from returning.outbound to Returning.AI (docs/wire-format.md §7).
// Each delivery runs as its own coroutine: per-target concurrency and rate
// limits, envelope + signature + auth headers, one HTTP send; then the
// delivery's next home is made durable before it is acked: done (ack), a
// delay queue of the retry ladder, or returning.outbound.dead. If that publish
// is not confirmed the delivery is rejected back to the queue (requeue), so
// nothing is ever dropped.
//
// Trace context (docs/wire-format.md §8): every HTTP attempt of a command is
// a client span and sends traceparent (the command's trace id, the attempt's
// span id) and its tracestate. A command without a valid traceparent starts
// a trace at its first attempt; its parked retries carry that traceparent, so
// all attempts of one command share one trace.
class outbound_sender {
 public:
  // `spans`: where each attempt's client span goes when its trace is sampled
  // (it outlives this; submit() is called from the io_context's threads), or
  // null: no span is built.
  outbound_sender(net::io_context& ioc, const gateway_config& config,
                  amqp::message_publisher& publisher, http_client& client,
                  tracing::span_sink* spans = nullptr);
  ~outbound_sender();

  // Wires the consumer whose deliveries this sender settles. Call before start.
  void attach(amqp::message_consumer& consumer);

  // Called on the consumer thread: hands the delivery to the io_context.
  void on_delivery(amqp::delivery&& d);

  // Applies new credentials and per-request settings (key, mode, layout,
  // signing secret, API key, timeout, CA file) to the configured kinds; sends
  // already running finish with the old ones. Other target changes need a
  // restart. Thread-safe.
  void reload_targets(const std::vector<target_settings>& targets);

  bool has_target(std::string_view kind) const;

  // A graceful stop, once the consumer has stopped: refuses further
  // deliveries (rejected back to the queue) and waits until the running ones
  // have finished — every send is bounded by its timeouts, see longest_send —
  // or until `deadline`. True when none is left; their coroutines must be gone
  // before the io_context and the sender go away. Blocks: never call it from
  // the io_context's threads.
  bool wait_deliveries_done(std::chrono::steady_clock::time_point deadline) {
    return deliveries_.wait_drained(deadline);
  }
  std::size_t deliveries_in_flight() const noexcept { return deliveries_.in_flight(); }
  // The longest a delivery can still take: the largest target timeout plus
  // the connect timeout (and a handshake for workflow targets).
  std::chrono::milliseconds longest_send() const;
  // The delay queues' TTLs, as the consumer declares them.
  const std::vector<std::chrono::milliseconds>& retry_rungs() const {
    return settings_.delay_ladder;
  }
  const outbound_metrics& metrics() const { return metrics_; }

 private:
  // One command's trace: the context its attempts are children of (nullopt
  // until its first attempt when it came without one), and what a span names.
  struct command_trace {
    std::optional<tracing::trace_context> context;
    std::string_view kind;
    std::string_view id;
    unsigned attempt = 0;
  };

  net::awaitable<void> deliver(amqp::delivery d, work_gate::ticket counted);
  net::awaitable<attempt_result> send_command(outbound_target& t, const std::string& id,
                                              const std::string& payload, command_trace& trace);
  net::awaitable<http_outcome> timed_send(outbound_target& t, http::request<http::string_body>& req,
                                          command_trace& trace);
  net::awaitable<handshake_result> handshake(outbound_target& t);
  net::awaitable<void> dead_letter(const amqp::delivery& d, const std::string& kind,
                                   const std::string& id, unsigned attempts,
                                   handlers::dead_reason reason, const attempt_result& last,
                                   const std::optional<tracing::trace_context>& trace);
  // Publishes `next` (its next home) with a confirm, then acks `d`; if the
  // publish fails, rejects `d` back to its queue.
  net::awaitable<void> settle(const amqp::delivery& d, amqp::message next, std::string_view what);

  net::io_context& ioc_;
  amqp::message_publisher& publisher_;
  http_client& client_;
  tracing::span_sink* spans_;  // null: spans are not exported
  amqp::message_consumer* consumer_ = nullptr;
  std::map<std::string, std::unique_ptr<outbound_target>, std::less<>> targets_;
  outbound_settings settings_;
  handlers::retry_schedule schedule_;
  outbound_metrics metrics_;
  work_gate deliveries_;  // one ticket per delivery coroutine
};

}  // namespace rai::gateway
