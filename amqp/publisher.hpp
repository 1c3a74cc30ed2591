#pragma once

#include <memory>

#include "amqp/message.hpp"
#include "amqp/publisher_interface.hpp"
#include "amqp/settings.hpp"

namespace rai::amqp {

// Owns one AMQP connection on its own thread (rabbitmq-c is blocking and not
// thread-safe per connection). publish() is thread-safe and never blocks on
// the network: it queues the job and wakes the thread, which publishes
// everything queued in one batch without waiting for confirms in between,
// then reads basic.ack / basic.nack (with `multiple`) and basic.return frames
// and settles each job by calling its completion exactly once, from the
// publisher thread. On connect it declares the topology (docs/wire-format.md §6) and
// enables confirms; when the broker goes away it fails every pending job and
// reconnects with exponential backoff.
class publisher final : public managed_publisher {
 public:
  explicit publisher(amqp_settings settings);
  ~publisher();  // stops the thread; unsettled jobs complete with connection_lost
  publisher(const publisher&) = delete;
  publisher& operator=(const publisher&) = delete;

  // Starts the publisher thread, which connects (and keeps reconnecting).
  void start() override;
  // Refuses new publishes, sends what was queued, reads outstanding confirms
  // for up to 2 s, completes the rest with connection_lost, closes the
  // connection and joins the thread. Idempotent; never call it from a
  // completion (it would join the thread it runs on).
  void stop() override;

  // Thread-safe; never does network I/O. The completion is called exactly
  // once. Normally that happens on the publisher thread, outside any lock,
  // batched with the other jobs settled by the same frame read. But when the
  // publish is refused up front it runs right away, on the caller's thread,
  // before publish() returns: `unavailable` when not connected (or stopping),
  // `overloaded` when max_in_flight jobs are queued or unconfirmed. The
  // confirm timeout runs from this call. message.exchange is used exactly as
  // given: "" is the AMQP default exchange, which routes by queue name (a
  // retry queue, returning.outbound.dead); events name settings.events_exchange
  // explicitly. message_id should be unique among publishes in flight
  // (basic.return is matched to its job by message_id, exchange and routing
  // key).
  void publish(message&& m, completion done) override;

  void when_connected(std::function<void()> ready) override;
  bool connected() const noexcept override;  // connected, topology declared, confirms on
  publisher_stats stats() const override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rai::amqp
