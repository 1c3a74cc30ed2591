#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "amqp/consumer_interface.hpp"
#include "amqp/settings.hpp"

namespace rai::amqp {

// Consumes the durable queue returning.outbound (docs/wire-format.md §7) with manual
// acks on its own thread and its own connection (rabbitmq-c is not
// thread-safe per connection). On every connect it declares the §6 topology
// and the retry ladder (one delay queue per rung, see retry_queue_name),
// sets basic.qos to settings.prefetch and starts consuming; when the
// connection drops it reconnects with jittered exponential backoff, and the
// broker redelivers whatever was unsettled.
//
// The handler runs on the consumer thread, once per delivery, and must not
// block (post the delivery elsewhere and return) or throw (a throwing
// handler's delivery is rejected with requeue). Each delivery must be settled
// exactly once with ack() or reject(), from any thread, naming the
// delivery's generation and tag; at most `prefetch` deliveries are
// outstanding. A settle for an older generation is dropped (the broker
// already requeued that delivery when its connection closed), so every
// delivery is either settled once or redelivered.
class consumer final : public message_consumer {
 public:
  using handler = std::function<void(delivery&&)>;

  // Throws std::invalid_argument for a retry rung outside 1 ms .. 2^32-1 ms.
  consumer(amqp_settings amqp, consumer_settings settings, handler on_delivery);
  ~consumer();  // stop()
  consumer(const consumer&) = delete;
  consumer& operator=(const consumer&) = delete;

  // Starts the consumer thread, which connects (and keeps reconnecting).
  void start();
  // Non-blocking: begins stopping (basic.cancel, then the drain below).
  void request_stop() noexcept;
  // request_stop(), then waits for the thread: after basic.cancel, settles of
  // outstanding deliveries still run for up to settings.drain_timeout (keep
  // whatever calls ack()/reject() running meanwhile); deliveries arriving
  // after the cancel are rejected with requeue; then the connection closes and
  // the broker requeues anything unsettled. Idempotent. From the handler it
  // only requests the stop.
  void stop();

  // Thread-safe, never blocks on the network: queued for the consumer thread.
  void ack(std::uint64_t generation, std::uint64_t tag) override;
  void reject(std::uint64_t generation, std::uint64_t tag, bool requeue) override;

  bool connected() const noexcept override;  // consuming, and not stopping
  consumer_stats stats() const noexcept override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rai::amqp
