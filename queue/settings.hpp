#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace rai::queue {

enum class queue_type { classic, quorum };

// Plain connection settings; the gateway's config layer fills them.
struct amqp_settings {
  std::string url = "amqp://guest:guest@127.0.0.1:5672/";
  std::string events_exchange = "returning.events";
  queue_type queues = queue_type::classic;
  std::chrono::seconds heartbeat{30};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds confirm_timeout{10000};
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{10000};
  std::size_t max_in_flight = 8192;  // publishes sent or queued but not yet settled
  std::string connection_name = "rai-gateway";
};

}  // namespace rai::queue
