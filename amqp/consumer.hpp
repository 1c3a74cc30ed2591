#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "amqp/settings.hpp"

namespace rai::amqp {

// One message taken from the outbound queue, not yet settled.
struct delivery {
  std::uint64_t tag = 0;         // the broker's delivery tag on this connection
  std::uint64_t generation = 0;  // which connection delivered it (counts from 1)
  std::string body;
  std::string message_id;
  std::string type;
  std::string content_type;
  std::int64_t timestamp = 0;  // unix seconds; 0 when absent
  // Table values as text: strings (and byte arrays) as they are, integers and
  // timestamps in decimal, floats in shortest round-trip decimal, booleans as
  // "true" / "false"; tables, arrays, decimals and voids are left out.
  std::vector<std::pair<std::string, std::string>> headers;
  bool redelivered = false;
};

struct consumer_stats {
  std::uint64_t delivered = 0;  // handed to the handler
  std::uint64_t acked = 0;
  std::uint64_t rejected = 0;  // by reject(), a throwing handler, or stop()
  // Settles that were not executed: for an older connection (the broker has
  // requeued that delivery already), after stop(), or for a tag that is not
  // outstanding (settled twice).
  std::uint64_t dropped_settles = 0;
  std::uint64_t reconnects = 0;  // connections lost and made again
};

// Consumes the durable queue returning.outbound (wire-format §7) with manual
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
class consumer {
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
  void ack(std::uint64_t generation, std::uint64_t tag);
  void reject(std::uint64_t generation, std::uint64_t tag, bool requeue);

  bool connected() const noexcept;  // consuming, and not stopping
  consumer_stats stats() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rai::amqp
