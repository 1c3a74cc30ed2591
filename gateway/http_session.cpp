#include "gateway/http_session.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "gateway/byte_budget.hpp"
#include "gateway/connection_set.hpp"
#include "gateway/responses.hpp"

namespace rai::gateway {
namespace {

// How a request that cannot be served is answered before closing.
struct framing_error {
  http::status status;
  std::string_view message;
};

std::optional<framing_error> classify_read_error(const beast::error_code& ec) {
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    return framing_error{http::status::request_header_fields_too_large, "headers too large"};
  if (ec == http::error::body_limit)
    return framing_error{http::status::payload_too_large, "body too large"};
  if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
      ec != http::error::end_of_stream && ec != http::error::partial_message)
    return framing_error{http::status::bad_request, "malformed request"};
  return std::nullopt;  // timeout, reset, EOF: nobody to answer
}

// Beast already refuses Content-Length with Transfer-Encoding and conflicting
// Content-Lengths; it silently accepts a Transfer-Encoding that does not end
// in chunked (and then reads no body), so that case is refused here. Only the
// plain "chunked" coding is supported: anything else would be a guess.
std::optional<framing_error> check_framing(const http_request& req) {
  std::size_t transfer_encodings = 0;
  for (const auto& f : req) {
    if (f.name() != http::field::transfer_encoding) continue;
    ++transfer_encodings;
    if (!beast::iequals(f.value(), "chunked"))
      return framing_error{http::status::bad_request, "unsupported transfer-encoding"};
  }
  if (transfer_encodings > 1)
    return framing_error{http::status::bad_request, "ambiguous message framing"};
  return std::nullopt;
}

bool wants_continue(const http_request& req) {
  auto it = req.find(http::field::expect);
  return it != req.end() && beast::iequals(it->value(), "100-continue");
}

using tls_stream = beast::ssl_stream<beast::tcp_stream>;

beast::tcp_stream& lowest(beast::tcp_stream& s) {
  return s;
}
beast::tcp_stream& lowest(tls_stream& s) {
  return s.next_layer();
}

// Ends the connection after the last response: a TLS close_notify (bounded by
// the write deadline), then the TCP half-close.
net::awaitable<void> close_gracefully(beast::tcp_stream& s, std::chrono::milliseconds) {
  beast::error_code ignored;
  s.socket().shutdown(tcp::socket::shutdown_send, ignored);
  co_return;
}
net::awaitable<void> close_gracefully(tls_stream& s, std::chrono::milliseconds timeout) {
  s.next_layer().expires_after(timeout);
  co_await s.async_shutdown(use_nothrow);
  beast::error_code ignored;
  s.next_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// A HEAD response carries the GET response's Content-Length but no body.
void strip_body_for_head(const http_request& req, http_response& res) {
  if (req.method() != http::verb::head) return;
  const auto length = res.body().size();
  res.body().clear();
  res.content_length(length);
}

template <class Stream>
net::awaitable<void> serve(Stream& stream, session_limits limits, const request_handler& handler,
                           connection_state& state, const connection_set& connections) {
  // Caps everything buffered ahead of the parser, pipelined requests included.
  beast::flat_buffer buffer(limits.max_header_bytes + 16 * 1024);

  auto send_and_close = [&](http_response res) -> net::awaitable<void> {
    res.keep_alive(false);
    lowest(stream).expires_after(limits.write_timeout);
    auto [ec, n] = co_await http::async_write(stream, res, use_nothrow);
    if (!ec) co_await close_gracefully(stream, limits.write_timeout);
  };

  for (;;) {
    // Between requests the connection is idle: wait for the first byte under
    // the idle deadline, then the header deadline runs from that byte on.
    if (buffer.size() == 0) {
      if (connections.draining()) co_return;
      state.idle = true;
      lowest(stream).expires_after(limits.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_nothrow);
      state.idle = false;
      if (ec) co_return;
      buffer.commit(n);
    }

    http::request_parser<http::string_body> parser;
    parser.header_limit(limits.max_header_bytes);
    parser.body_limit(limits.max_body_bytes);
    const auto max_ext = limits.max_chunk_extension_bytes;
    auto on_chunk = [max_ext](std::uint64_t, std::string_view extensions, beast::error_code& ec) {
      if (extensions.size() > max_ext) ec = http::error::bad_chunk_extension;
    };
    parser.on_chunk_header(on_chunk);

    lowest(stream).expires_after(limits.header_timeout);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_nothrow);
    if (hec) {
      if (auto err = classify_read_error(hec))
        co_await send_and_close(error_response(11, err->status, err->message));
      co_return;
    }
    const auto& head = parser.get();
    if (head.target().size() > limits.max_target_bytes) {
      co_await send_and_close(
          error_response(head.version(), http::status::uri_too_long, "request-target too long"));
      co_return;
    }
    if (auto err = check_framing(head)) {
      co_await send_and_close(error_response(head.version(), err->status, err->message));
      co_return;
    }
    std::optional<byte_reservation> body_memory;
    if (!parser.is_done() && limits.body_budget) {
      const std::uint64_t want = parser.content_length().value_or(limits.max_body_bytes);
      if (!limits.body_budget->try_take(want)) {
        co_await send_and_close(
            unavailable_response(head.version(), "server busy", limits.retry_after));
        co_return;
      }
      body_memory.emplace(*limits.body_budget, want);
    }
    if (!parser.is_done()) {
      if (wants_continue(head)) {
        http::response<http::empty_body> cont{http::status::continue_, head.version()};
        lowest(stream).expires_after(limits.write_timeout);
        auto [cec, cn] = co_await http::async_write(stream, cont, use_nothrow);
        if (cec) co_return;
      }
      lowest(stream).expires_after(limits.body_timeout);
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, use_nothrow);
      if (bec) {
        if (auto err = classify_read_error(bec))
          co_await send_and_close(error_response(head.version(), err->status, err->message));
        co_return;
      }
    }

    http_request request = parser.release();
    http_response response = co_await handler(request);
    response.keep_alive(request.keep_alive() && !connections.draining());
    strip_body_for_head(request, response);
    lowest(stream).expires_after(limits.write_timeout);
    auto [wec, wn] = co_await http::async_write(stream, response, use_nothrow);
    if (wec) co_return;
    if (!response.keep_alive()) {
      co_await close_gracefully(stream, limits.write_timeout);
      co_return;
    }
  }
}

}  // namespace

net::awaitable<void> run_http_session(tcp::socket socket, std::shared_ptr<net::ssl::context> tls,
                                      session_limits limits, const request_handler& handler,
                                      std::shared_ptr<connection_set> connections) {
  auto state = std::make_shared<connection_state>();
  state->executor = socket.get_executor();
  const auto id = connections->add(state);
  struct unregister {
    connection_set& set;
    connection_state& state;
    std::uint64_t id;
    ~unregister() {
      state.socket = nullptr;
      set.remove(id);
    }
  } on_exit{*connections, *state, id};

  if (!tls) {
    beast::tcp_stream stream(std::move(socket));
    state->socket = &stream.socket();
    co_await serve(stream, limits, handler, *state, *connections);
    co_return;
  }
  tls_stream stream(beast::tcp_stream(std::move(socket)), *tls);
  state->socket = &stream.next_layer().socket();
  stream.next_layer().expires_after(limits.header_timeout);
  auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::server, use_nothrow);
  if (ec) co_return;  // not TLS, no shared version or cipher, or too slow
  co_await serve(stream, limits, handler, *state, *connections);
}

}  // namespace rai::gateway
