#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/net.hpp"

namespace rai::queue {
class publisher;
}

namespace rai::gateway {

// The internal listener (server.admin_listen, loopback by default):
//   GET  /healthz            the process and its event loop answer
//   GET  /readyz             200 when every readiness check passes, else 503 naming
//                            the failing ones
//   GET  /metrics            Prometheus text exposition (0.0.4)
//   POST /v1/outbound/{kind} a command for Returning.AI: published into
//                            returning.outbound with a confirm, answered 202 {"id":...}
class admin_service {
 public:
  struct hooks {
    std::function<bool(std::string_view kind)> has_target;
    // Names of the readiness checks failing now ("broker", ...); empty = ready.
    std::function<std::vector<std::string_view>()> failing_checks;
    std::function<std::string()> metrics;
  };

  admin_service(queue::publisher& publisher, hooks h);

  net::awaitable<http_response> handle(const http_request& request);

 private:
  net::awaitable<http_response> enqueue_command(const http_request& request, std::string_view kind);

  http_response readiness(unsigned version) const;

  queue::publisher& publisher_;
  hooks hooks_;
};

}  // namespace rai::gateway
