#pragma once

// The broker-limit publisher: basic.publish (persistent, mandatory) through
// amqp::session as fast as the confirm window allows (or at a fixed rate),
// reading confirms between publishes: every 64 publishes it reads what has
// arrived without blocking, and when `window` publishes are unconfirmed it
// waits for the next frame.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "amqp/message.hpp"
#include "amqp/session.hpp"

namespace rai::bench {

struct publish_plan {
  std::string exchange;
  std::string routing_key;
  std::size_t window = 1024;
  std::uint64_t count = 0;               // 0: until duration
  std::chrono::nanoseconds duration{0};  // 0: until count
  // > 0: open loop. Message n is due at start + n / rate and its latency runs
  // from then, so a stall is charged to every message it delays.
  double rate = 0;
};

// Fills message `seq` (0-based): body, message_id, type, timestamp, headers.
// The exchange and routing key come from the plan.
using message_source = std::function<void(std::uint64_t seq, amqp::message& out)>;

struct publish_result {
  std::uint64_t published = 0;
  std::uint64_t acked = 0;  // basic.ack from the broker (returned ones too)
  std::uint64_t nacked = 0;
  std::uint64_t returned = 0;             // basic.return (no route), acked after it
  double seconds = 0;                     // first publish → last confirm
  std::vector<std::uint64_t> latency_ns;  // publish → confirm, per message
};

// Turns on confirms, publishes, waits for every confirm. Throws
// std::runtime_error on a socket error, a channel or connection close, or a
// publish not confirmed within the session's timeout.
publish_result publish_with_confirms(amqp::session& session, const publish_plan& plan,
                                     const message_source& next);

}  // namespace rai::bench
