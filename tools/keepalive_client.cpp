#include "tools/keepalive_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <optional>

namespace rai::tool {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

struct keepalive_client::impl {
  impl(http_target t, std::chrono::milliseconds d) : target(std::move(t)), timeout(d) {}

  http_target target;
  std::chrono::milliseconds timeout;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  outcome<void> connect() {
    stream.emplace(ioc);
    buffer.clear();
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(target.host, target.port, ec);
    if (ec) return op_error("resolve " + target.host + ": " + ec.message());
    stream->expires_after(timeout);
    stream->connect(endpoints, ec);
    if (ec) {
      stream.reset();
      return op_error("connect to " + target.host_header + ": " + ec.message());
    }
    return {};
  }

  // Sets `retryable` when the exchange failed before any response byte came
  // back, the way a connection the server had already closed fails.
  outcome<http_reply> exchange(const outgoing_request& r, bool& retryable) {
    http::request<http::string_body> req{http::verb::post, r.target, 11};
    req.set(http::field::host, target.host_header);
    req.set(http::field::user_agent, "rai-gateway-tool");
    for (const auto& [name, value] : r.headers) req.set(name, value);
    req.body() = r.body;
    req.keep_alive(true);
    req.prepare_payload();

    beast::error_code ec;
    stream->expires_after(timeout);
    http::write(*stream, req, ec);
    if (ec) {
      retryable = true;
      return op_error("write: " + ec.message());
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    stream->expires_after(timeout);
    http::read(*stream, buffer, parser, ec);
    if (ec) {
      retryable =
          !parser.got_some() && (ec == http::error::end_of_stream ||
                                 ec == net::error::connection_reset || ec == net::error::eof);
      return op_error("read: " + ec.message());
    }
    auto res = parser.release();
    if (!res.keep_alive()) stream.reset();
    return http_reply{res.result_int(), std::move(res.body())};
  }
};

keepalive_client::keepalive_client(http_target target, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>(std::move(target), timeout)) {}

keepalive_client::~keepalive_client() = default;

outcome<http_reply> keepalive_client::post(const outgoing_request& request) {
  const bool reused = impl_->stream.has_value();
  if (!reused) {
    if (auto c = impl_->connect(); !c) return c.error();
  }
  bool retryable = false;
  auto reply = impl_->exchange(request, retryable);
  if (reply) return reply;
  impl_->stream.reset();
  if (!reused || !retryable) return reply;
  if (auto c = impl_->connect(); !c) return c.error();
  retryable = false;
  reply = impl_->exchange(request, retryable);
  if (!reply) impl_->stream.reset();
  return reply;
}

}  // namespace rai::tool
