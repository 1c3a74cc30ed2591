#pragma once

#include <functional>
#include <string>

#include "gateway/net.hpp"

namespace rai::queue {
class publisher;
}

namespace rai::gateway {

// The internal listener (server.admin_listen, loopback by default):
//   GET  /healthz            the process and its event loop answer
//   GET  /readyz             200 when the broker is connected with confirms, else 503
//   POST /v1/outbound/{kind} a command for Returning.AI: published into
//                            returning.outbound with a confirm, answered 202 {"id":...}
class admin_service {
 public:
  using kind_check = std::function<bool(std::string_view kind)>;

  admin_service(queue::publisher& publisher, kind_check has_target);

  net::awaitable<http_response> handle(const http_request& request);

 private:
  net::awaitable<http_response> enqueue_command(const http_request& request, std::string_view kind);

  queue::publisher& publisher_;
  kind_check has_target_;
};

}  // namespace rai::gateway
