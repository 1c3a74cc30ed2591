#include "gateway/admin_service.hpp"

#include <spdlog/spdlog.h>
#include <chrono>

#include "gateway/async_publish.hpp"
#include "gateway/logging.hpp"
#include "gateway/responses.hpp"
#include "handlers/json_text.hpp"
#include "handlers/outbound_command.hpp"
#include "queue/publisher.hpp"
#include "queue/topology.hpp"

namespace rai::gateway {
namespace {

constexpr std::string_view outbound_prefix = "/v1/outbound/";

}  // namespace

admin_service::admin_service(queue::publisher& publisher, hooks h)
    : publisher_(publisher), hooks_(std::move(h)) {}

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

net::awaitable<http_response> admin_service::handle(const http_request& req) {
  const std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  const auto version = req.version();

  if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      auto res = error_response(version, http::status::method_not_allowed, "method not allowed");
      res.set(http::field::allow, "GET, HEAD");
      co_return res;
    }
    if (path == "/healthz")
      co_return json_response(version, http::status::ok, R"({"status":"ok"})");
    if (path == "/readyz") co_return readiness(version);
    http_response res{http::status::ok, version};
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = hooks_.metrics();
    res.prepare_payload();
    co_return res;
  }

  if (path.starts_with(outbound_prefix)) {
    const auto kind = path.substr(outbound_prefix.size());
    if (!handlers::valid_kind_name(kind) || !hooks_.has_target(kind))
      co_return error_response(version, http::status::not_found, "unknown command kind");
    if (req.method() != http::verb::post) {
      auto res = error_response(version, http::status::method_not_allowed, "method not allowed");
      res.set(http::field::allow, "POST");
      co_return res;
    }
    co_return co_await enqueue_command(req, kind);
  }
  co_return error_response(version, http::status::not_found, "not found");
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

  queue::message m;
  m.exchange = queue::names::commands_exchange;
  m.routing_key = queue::names::outbound_routing_key;
  m.body = req.body();
  m.message_id = id;
  m.type = std::string(kind);
  m.timestamp = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  m.headers = {{"x-kind", std::string(kind)}};
  const auto status = co_await async_publish(publisher_, std::move(m), net::use_awaitable);
  if (status != queue::publish_status::confirmed) {
    spdlog::warn("outbound API: command {} kind={} not queued ({})", id, kind,
                 queue::to_string(status));
    co_return unavailable_response(version, "command could not be queued", std::chrono::seconds(5));
  }
  std::string body = R"({"status":"queued","id":")";
  handlers::append_json_escaped(body, id);
  body += R"("})";
  co_return json_response(version, http::status::accepted, std::move(body));
}

}  // namespace rai::gateway
