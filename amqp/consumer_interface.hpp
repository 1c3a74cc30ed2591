#pragma once

// The consuming side of amqp/ as the outbound sender sees it: settle each
// delivery it was handed, exactly once. amqp::consumer (one connection on its
// own thread, manual acks) is the product's implementation; tests supply a
// fake that records the settles.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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
  // Connections that came up on another node of amqp.urls than the previous one.
  std::uint64_t failovers = 0;
  std::string node;  // "host:port" of the node connected to; "" while not connected
};

class message_consumer {
 public:
  virtual ~message_consumer() = default;

  // Thread-safe, never block on the network. `generation` and `tag` name the
  // delivery (amqp::delivery); requeue = false drops it (or dead-letters it,
  // if its queue says so).
  virtual void ack(std::uint64_t generation, std::uint64_t tag) = 0;
  virtual void reject(std::uint64_t generation, std::uint64_t tag, bool requeue) = 0;

  virtual bool connected() const noexcept = 0;  // consuming, and not stopping
  virtual consumer_stats stats() const noexcept = 0;

 protected:
  message_consumer() = default;
  message_consumer(const message_consumer&) = default;
  message_consumer& operator=(const message_consumer&) = default;
};

}  // namespace rai::amqp
