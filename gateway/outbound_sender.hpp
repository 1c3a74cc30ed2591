#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "gateway/config.hpp"
#include "gateway/net.hpp"
#include "gateway/outbound_metrics.hpp"
#include "handlers/outbound_command.hpp"
#include "handlers/outbound_retry.hpp"

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

// Delivers commands from returning.outbound to Returning.AI (wire-format §7).
// Each delivery runs as its own coroutine: per-target concurrency and rate
// limits, envelope + signature + auth headers, one HTTP send; then the
// delivery's next home is made durable before it is acked: done (ack), a
// delay queue of the retry ladder, or returning.outbound.dead. If that publish
// is not confirmed the delivery is rejected back to the queue (requeue), so
// nothing is ever dropped.
class outbound_sender {
 public:
  outbound_sender(net::io_context& ioc, const gateway_config& config,
                  amqp::message_publisher& publisher, http_client& client);
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

  // Deliveries whose coroutine has not finished yet. A graceful stop waits for
  // 0 (every send is bounded by its timeouts) before the io_context stops.
  std::size_t deliveries_in_flight() const noexcept { return active_.load(); }
  // The longest a delivery can still take: the largest target timeout plus
  // the connect timeout (and a handshake for workflow targets).
  std::chrono::milliseconds longest_send() const;
  const handlers::delay_ladder& ladder() const { return ladder_; }
  const outbound_metrics& metrics() const { return metrics_; }

 private:
  net::awaitable<void> deliver(amqp::delivery d);
  net::awaitable<attempt_result> send_command(outbound_target& t, const std::string& id,
                                              const std::string& payload);
  net::awaitable<http_outcome> timed_send(outbound_target& t,
                                          const http::request<http::string_body>& req);
  net::awaitable<handshake_result> handshake(outbound_target& t);
  net::awaitable<void> dead_letter(const amqp::delivery& d, const std::string& kind,
                                   const std::string& id, unsigned attempts,
                                   handlers::dead_reason reason, const attempt_result& last);
  // Publishes `next` (its next home) with a confirm, then acks `d`; if the
  // publish fails, rejects `d` back to its queue.
  net::awaitable<void> settle(const amqp::delivery& d, amqp::message next, std::string_view what);

  net::io_context& ioc_;
  amqp::message_publisher& publisher_;
  http_client& client_;
  amqp::message_consumer* consumer_ = nullptr;
  std::map<std::string, std::unique_ptr<outbound_target>, std::less<>> targets_;
  outbound_settings settings_;
  handlers::retry_schedule schedule_;
  handlers::delay_ladder ladder_;
  outbound_metrics metrics_;
  std::atomic<std::size_t> active_{0};
};

}  // namespace rai::gateway
