#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "gateway/config.hpp"
#include "gateway/net.hpp"
#include "handlers/dedupe.hpp"
#include "handlers/source.hpp"
#include "queue/publisher.hpp"

namespace rai::gateway {

// Answers POST /webhooks/{source}[/{event}]: runs the pure inbound pipeline
// (handlers/), claims the event id in the dedupe window, publishes to
// RabbitMQ and answers 200 only once the broker has confirmed the publish.
class webhook_service {
 public:
  webhook_service(const gateway_config& config, queue::publisher& publisher);

  net::awaitable<http_response> handle(const http_request& request);

 private:
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, handlers::source_settings, string_hash, std::equal_to<>> sources_;
  handlers::dedupe_window dedupe_;
  queue::publisher& publisher_;
  std::string exchange_;
  std::chrono::seconds retry_after_;
};

}  // namespace rai::gateway
