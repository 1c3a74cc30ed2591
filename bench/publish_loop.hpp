#pragma once

// The broker-limit publisher: basic.publish (persistent, mandatory) as fast as
// the window allows (or at a fixed rate), reading confirms from the frames between publishes
// (rabbitmq-c 0.11 has no amqp_publisher_confirm_wait): every 64 publishes and
// whenever rabbitmq-c already holds frames it drains them without blocking,
// and when `window` publishes are unsettled it blocks for the next frame.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/amqp_session.hpp"

namespace rai::bench {

struct publish_plan {
  std::string exchange;
  std::string routing_key;
  std::size_t window = 1024;
  std::uint64_t count = 0;               // 0: until duration
  std::chrono::nanoseconds duration{0};  // 0: until count
  std::chrono::seconds confirm_timeout{10};
  // > 0: open loop. Message n is due at start + n / rate and its latency runs
  // from then, so a stall is charged to every message it delays.
  double rate = 0;
};

// What to publish as message `seq` (0-based). Views must stay valid until the
// publish call returns.
struct publish_message {
  std::string_view body;
  std::string_view message_id;
  std::string_view type;  // empty: no AMQP type
  std::int64_t timestamp = 0;
  std::vector<std::pair<std::string_view, std::string_view>> headers;
};
using message_source = std::function<void(std::uint64_t seq, publish_message& out)>;

struct publish_result {
  std::uint64_t published = 0;
  std::uint64_t acked = 0;
  std::uint64_t nacked = 0;
  std::uint64_t returned = 0;
  double seconds = 0;                     // first publish → last confirm
  std::vector<std::uint64_t> latency_ns;  // publish → confirm, per message
};

// Turns on confirms, publishes, waits for every confirm. Throws
// std::runtime_error on a socket error, a channel or connection close, or no
// frame within confirm_timeout while waiting.
publish_result publish_with_confirms(amqp_session& session, const publish_plan& plan,
                                     const message_source& next);

}  // namespace rai::bench
