#include "gateway/admin_service.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>
#include <chrono>

#include "amqp/publisher_interface.hpp"
#include "amqp/topology.hpp"
#include "crypto/codec.hpp"
#include "gateway/async_publish.hpp"
#include "gateway/logging.hpp"
#include "gateway/responses.hpp"
#include "handlers/json_text.hpp"
#include "handlers/outbound_command.hpp"

namespace rai::gateway {
namespace {

constexpr std::string_view outbound_prefix = "/v1/outbound/";

bool is_probe_path(std::string_view path) {
  return path == "/healthz" || path == "/readyz" || path == "/metrics";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// application/json, with parameters (`; charset=utf-8`) allowed: RFC 9110
// media types are case-insensitive.
bool is_json_content_type(const http::request_header<>& h) {
  if (h.count(http::field::content_type) != 1) return false;
  const auto value = h[http::field::content_type];
  std::string_view v(value.data(), value.size());
  return beast::iequals(trim(v.substr(0, v.find(';'))), "application/json");
}

// The credentials of `Authorization: Bearer <token>` (scheme case-insensitive,
// RFC 9110 §11.4); nullopt when absent, repeated or of another scheme.
std::optional<std::string_view> bearer_token(const http::request_header<>& h) {
  if (h.count(http::field::authorization) != 1) return std::nullopt;
  const auto value = h[http::field::authorization];
  std::string_view v(value.data(), value.size());
  constexpr std::string_view scheme = "bearer";
  if (v.size() <= scheme.size() || !beast::iequals(v.substr(0, scheme.size()), scheme) ||
      (v[scheme.size()] != ' ' && v[scheme.size()] != '\t'))
    return std::nullopt;
  auto token = trim(v.substr(scheme.size()));
  if (token.empty()) return std::nullopt;
  return token;
}

http_response unauthorized(unsigned version, bool presented) {
  auto res = error_response(version, http::status::unauthorized,
                            presented ? "invalid bearer token" : "bearer token required");
  res.set(http::field::www_authenticate,
          presented ? R"(Bearer realm="rai-gateway", error="invalid_token")"
                    : R"(Bearer realm="rai-gateway")");
  return res;
}

}  // namespace

admin_service::admin_service(amqp::message_publisher& publisher, hooks h, std::string command_token)
    : publisher_(publisher), hooks_(std::move(h)), token_(std::move(command_token)) {}

http_response admin_service::readiness(unsigned version) const {
  const auto failing = hooks_.failing_checks();
  if (failing.empty()) return json_response(version, http::status::ok, R"({"status":"ready"})");
  std::string body = R"({"status":"not ready","failing":[)";
  for (std::size_t i = 0; i < failing.size(); ++i) {
    if (i) body += ',';
    body += '"';
    handlers::append_json_escaped(body, failing[i]);
    body += '"';
  }
  body += "]}";
  return json_response(version, http::status::service_unavailable, std::move(body));
}

std::optional<http_response> admin_service::check_header(const http::request_header<>& h) const {
  return check(h, true);
}

std::optional<http_response> admin_service::check_probe_header(
    const http::request_header<>& h) const {
  return check(h, false);
}

std::optional<http_response> admin_service::check(const http::request_header<>& h,
                                                  bool commands) const {
  const std::string_view target(h.target().data(), h.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  if (is_probe_path(path)) {
    if (h.method() == http::verb::get || h.method() == http::verb::head) return std::nullopt;
    auto res = error_response(h.version(), http::status::method_not_allowed, "method not allowed");
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  if (commands && path.starts_with(outbound_prefix))
    return check_command(h, path.substr(outbound_prefix.size()));
  return error_response(h.version(), http::status::not_found, "not found");
}

// In this order: nothing about the targets is told to a caller without the
// token, and nothing a browser sends gets past the Origin check.
std::optional<http_response> admin_service::check_command(const http::request_header<>& h,
                                                          std::string_view kind) const {
  const auto version = h.version();
  if (token_.empty())
    return error_response(version, http::status::forbidden,
                          "the command endpoint is off: server.admin_token is not set");
  if (h.find(http::field::origin) != h.end())
    return error_response(version, http::status::forbidden,
                          "requests from browsers (with an Origin header) are refused");
  const auto presented = bearer_token(h);
  if (!presented || !crypto::constant_time_equal(*presented, token_))
    return unauthorized(version, h.find(http::field::authorization) != h.end());
  if (!handlers::valid_kind_name(kind) || !hooks_.has_target(kind))
    return error_response(version, http::status::not_found, "unknown command kind");
  if (h.method() != http::verb::post) {
    auto res = error_response(version, http::status::method_not_allowed, "method not allowed");
    res.set(http::field::allow, "POST");
    return res;
  }
  if (!is_json_content_type(h))
    return error_response(version, http::status::unsupported_media_type,
                          "Content-Type must be application/json");
  return std::nullopt;
}

http_response admin_service::probe(const http_request& req, std::string_view path) const {
  const auto version = req.version();
  if (path == "/healthz") return json_response(version, http::status::ok, R"({"status":"ok"})");
  if (path == "/readyz") return readiness(version);
  http_response res{http::status::ok, version};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.body() = hooks_.metrics();
  res.prepare_payload();
  return res;
}

net::awaitable<http_response> admin_service::handle(const http_request& req) {
  if (auto early = check_header(req)) co_return std::move(*early);
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.starts_with(outbound_prefix))
    co_return co_await enqueue_command(req, path.substr(outbound_prefix.size()));
  co_return probe(req, path);
}

net::awaitable<http_response> admin_service::handle_probes(const http_request& req) {
  if (auto early = check_probe_header(req)) co_return std::move(*early);
  const std::string_view target(req.target().data(), req.target().size());
  co_return probe(req, target.substr(0, target.find('?')));
}

net::awaitable<http_response> admin_service::enqueue_command(const http_request& req,
                                                             std::string_view kind) {
  const auto version = req.version();
  if (!handlers::is_json_object(req.body()))
    co_return error_response(version, http::status::bad_request, "body must be a JSON object");

  // The caller may choose the command's id (its Idempotency-Key towards
  // Returning.AI); otherwise one is generated.
  std::string id;
  if (auto it = req.find("Idempotency-Key"); it != req.end()) {
    id = std::string(it->value());
    if (!handlers::valid_idempotency_key(id))
      co_return error_response(version, http::status::bad_request,
                               "Idempotency-Key must be 1-200 printable characters");
  } else {
    id = handlers::new_idempotency_key();
  }

  amqp::message m;
  m.exchange = amqp::names::commands_exchange;
  m.routing_key = amqp::names::outbound_routing_key;
  m.body = req.body();
  m.message_id = id;
  m.type = std::string(kind);
  m.timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  m.headers = {{"x-kind", std::string(kind)}};
  const auto status = co_await async_publish(publisher_, std::move(m), net::use_awaitable);
  if (status != amqp::publish_status::confirmed) {
    spdlog::warn("outbound API: command {} kind={} not queued ({})", id, kind,
                 amqp::to_string(status));
    co_return unavailable_response(version, "command could not be queued", std::chrono::seconds(5));
  }
  std::string body = R"({"status":"queued","id":")";
  handlers::append_json_escaped(body, id);
  body += R"("})";
  co_return json_response(version, http::status::accepted, std::move(body));
}

}  // namespace rai::gateway

namespace rai::gateway {

bool is_loopback_host(std::string_view host) {
  if (beast::iequals(host, "localhost")) return true;
  boost::system::error_code ec;
  const auto address = net::ip::make_address(std::string(host), ec);
  if (ec) return false;  // a name other than localhost may resolve to anything
  if (address.is_v4()) return address.to_v4().is_loopback();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, v6).is_loopback();
  return v6.is_loopback();
}

std::vector<std::pair<bool, std::string>> admin_exposure_notes(const server_settings& server,
                                                               bool has_targets) {
  std::vector<std::pair<bool, std::string>> notes;
  const auto& where = server.admin_listen;
  if (server.admin_token.empty()) {
    if (has_targets)
      notes.emplace_back(false,
                         "POST /v1/outbound is off: server.admin_token is not set (commands "
                         "published to RabbitMQ are delivered as usual)");
    return notes;
  }
  if (!is_loopback_host(where.host))
    notes.emplace_back(
        true, "the command endpoint POST /v1/outbound on server.admin_listen = " + where.host +
                  ":" + std::to_string(where.port) +
                  " is reachable beyond loopback: whoever reaches it with server.admin_token "
                  "sends commands to Returning.AI; bind it to 127.0.0.1 or restrict the network" +
                  (server.metrics_listen ? std::string()
                                         : " (set server.metrics_listen to scrape /metrics "
                                           "and probe elsewhere)"));
  return notes;
}

}  // namespace rai::gateway
