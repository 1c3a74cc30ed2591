#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "http/net.hpp"

namespace rai::amqp {
class message_publisher;
}

namespace rai::gateway {

// The internal listener (server.admin_listen, loopback by default):
//   GET  /healthz            the process and its event loop answer
//   GET  /readyz             200 when every readiness check passes, else 503 naming
//                            the failing ones
//   GET  /metrics            Prometheus text exposition (0.0.4)
//   POST /v1/outbound/{kind} a command for Returning.AI: published into
//                            returning.outbound with a confirm, answered 202 {"id":...}
// The probes and /metrics need no credentials. The command endpoint is off
// (403) without a token; with one it takes only `Authorization: Bearer
// <token>` (else 401), `Content-Type: application/json` (else 415) and no
// `Origin` header (a browser's request, else 403): it is for server-side
// workers. The optional metrics listener (server.metrics_listen) serves the
// probes and /metrics only.
class admin_service {
 public:
  struct hooks {
    std::function<bool(std::string_view kind)> has_target;
    // Names of the readiness checks failing now ("broker", ...); empty = ready.
    std::function<std::vector<std::string_view>()> failing_checks;
    std::function<std::string()> metrics;
  };

  // An empty command_token turns the command endpoint off.
  admin_service(amqp::message_publisher& publisher, hooks h, std::string command_token);

  // Everything about a request to the admin listener that its header decides:
  // the route, the method, and for a command the token, Origin and
  // Content-Type. A response means: answer it and do not read the body.
  std::optional<http_response> check_header(const http::request_header<>& header) const;
  // The same for the metrics listener (probes and /metrics only).
  std::optional<http_response> check_probe_header(const http::request_header<>& header) const;

  // The admin listener's handler (runs check_header first).
  net::awaitable<http_response> handle(const http_request& request);
  // The metrics listener's handler (runs check_probe_header first).
  net::awaitable<http_response> handle_probes(const http_request& request);

  bool commands_enabled() const noexcept { return !token_.empty(); }

 private:
  std::optional<http_response> check(const http::request_header<>& header, bool commands) const;
  std::optional<http_response> check_command(const http::request_header<>& header,
                                             std::string_view kind) const;
  http_response probe(const http_request& request, std::string_view path) const;
  net::awaitable<http_response> enqueue_command(const http_request& request, std::string_view kind);

  http_response readiness(unsigned version) const;

  amqp::message_publisher& publisher_;
  hooks hooks_;
  std::string token_;
};

// True when `host` (of a listen address) accepts only local connections:
// 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 or "localhost".
bool is_loopback_host(std::string_view host);

// What start-up should say about the admin listener's exposure: a note that
// the command endpoint is off when targets are configured without
// server.admin_token, and a warning when it is on and reachable beyond
// loopback. Each entry: (is_warning, message).
std::vector<std::pair<bool, std::string>> admin_exposure_notes(const server_settings& server,
                                                               bool has_targets);

}  // namespace rai::gateway
