#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace rai::amqp {

// One AMQP message to publish persistently (delivery_mode 2) with mandatory.
struct message {
  std::string exchange;  // as given; "" = the default exchange (routing_key = queue name)
  std::string routing_key;
  std::string body;
  std::string message_id;
  std::string type;
  std::string content_type = "application/json";
  std::int64_t timestamp = 0;                                // unix seconds
  std::vector<std::pair<std::string, std::string>> headers;  // string-valued table entries
};

enum class publish_status {
  confirmed,        // basic.ack from the broker: durable
  nacked,           // basic.nack
  returned,         // basic.return (mandatory, no route and no alternate exchange)
  unavailable,      // not connected (broker away / reconnecting)
  connection_lost,  // the connection dropped before the confirm arrived
  overloaded,       // too many publishes in flight
  timed_out,        // no confirm within the confirm timeout
};
inline constexpr std::size_t publish_status_count = 7;

const char* to_string(publish_status s) noexcept;

}  // namespace rai::amqp
