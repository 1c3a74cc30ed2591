#include "gateway/responses.hpp"

#include <string>

#include "handlers/json_text.hpp"

namespace rai::gateway {
http_response json_response(unsigned version, http::status status, std::string body) {
  http_response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

http_response accepted_response(unsigned version, std::string_view id, std::string_view event,
                                bool duplicate) {
  std::string body = R"({"status":"accepted","id":")";
  handlers::append_json_escaped(body, id);
  body += R"(","event":")";
  body += event;
  body += duplicate ? R"(","duplicate":true})" : R"("})";
  return json_response(version, http::status::ok, std::move(body));
}

http_response error_response(unsigned version, http::status status, std::string_view error) {
  std::string body = R"({"status":"rejected","error":")";
  handlers::append_json_escaped(body, error);
  body += R"("})";
  return json_response(version, status, std::move(body));
}

http_response unavailable_response(unsigned version, std::string_view error,
                                   std::chrono::seconds retry_after) {
  std::string body = R"({"status":"unavailable","error":")";
  handlers::append_json_escaped(body, error);
  body += R"("})";
  auto res = json_response(version, http::status::service_unavailable, std::move(body));
  res.set(http::field::retry_after, std::to_string(retry_after.count()));
  return res;
}

}  // namespace rai::gateway
