#include "gateway/inbound_request.hpp"

#include <optional>
#include <string_view>

namespace rai::gateway {
namespace {

std::optional<std::string_view> header(const http::request_header<>& req, std::string_view name) {
  const auto it = req.find(name);
  if (it == req.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

}  // namespace

handlers::inbound_request inbound_request_from(const http::request_header<>& req,
                                               std::string_view body,
                                               const handlers::source_settings& source,
                                               std::chrono::system_clock::time_point now) {
  return handlers::inbound_request{
      .body = body,
      .api_key = header(req, "x-api-key"),
      .encrypted = header(req, "x-encrypted"),
      .iv = header(req, source.iv_header),
      .webhook_id = header(req, "webhook-id"),
      .webhook_timestamp = header(req, "webhook-timestamp"),
      .webhook_signature = header(req, "webhook-signature"),
      .now = now,
  };
}

}  // namespace rai::gateway
