#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"

namespace rai::amqp {
class managed_publisher;
}

namespace rai::gateway {

// Makes the publisher that events, spooled events, parked commands and admin
// commands go through (never null). Empty: the real amqp::publisher on
// config.amqp. The benchmark's sink gateway (bench/sink_gateway_main.cpp)
// passes a fake.
using publisher_factory =
    std::function<std::unique_ptr<amqp::managed_publisher>(const amqp::amqp_settings&)>;

// The running gateway: the webhook and admin listeners, the AMQP publisher,
// the outbound consumer and sender, and the process signals.
//   SIGTERM / SIGINT  graceful stop (see run); a second one exits at once
//   SIGHUP            reload the config file and its secrets
class app {
 public:
  app(gateway_config config, std::string config_path, const publisher_factory& make_publisher = {});
  ~app();
  app(const app&) = delete;
  app& operator=(const app&) = delete;

  // Serves until SIGTERM/SIGINT, then stops gracefully: readiness fails, the
  // webhook listener stops accepting, idle connections close, requests in
  // flight finish (bounded by server.drain_timeout_ms), the outbound consumer
  // stops and settles what it holds, the admin listener closes, the
  // publisher reads its last confirms. Returns the process exit code: 0 after
  // a graceful stop, 1 when startup fails.
  int run();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rai::gateway
