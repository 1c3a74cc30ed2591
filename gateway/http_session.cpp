#include "gateway/http_session.hpp"

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

}  // namespace

net::awaitable<void> run_http_session(tcp::socket socket, session_limits limits,
                                      const request_handler& handler) {
  beast::tcp_stream stream(std::move(socket));
  // Caps everything buffered ahead of the parser, pipelined requests included.
  beast::flat_buffer buffer(limits.max_header_bytes + 16 * 1024);

  auto send_and_close = [&](http_response res) -> net::awaitable<void> {
    res.keep_alive(false);
    stream.expires_after(limits.write_timeout);
    co_await http::async_write(stream, res, use_nothrow);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  };

  for (;;) {
    // Between requests the connection is idle: wait for the first byte under
    // the idle deadline, then the header deadline runs from that byte on.
    if (buffer.size() == 0) {
      stream.expires_after(limits.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_nothrow);
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

    stream.expires_after(limits.header_timeout);
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
    if (!parser.is_done()) {
      if (wants_continue(head)) {
        http::response<http::empty_body> cont{http::status::continue_, head.version()};
        stream.expires_after(limits.write_timeout);
        auto [cec, cn] = co_await http::async_write(stream, cont, use_nothrow);
        if (cec) co_return;
      }
      stream.expires_after(limits.body_timeout);
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, use_nothrow);
      if (bec) {
        if (auto err = classify_read_error(bec))
          co_await send_and_close(error_response(head.version(), err->status, err->message));
        co_return;
      }
    }

    http_request request = parser.release();
    http_response response = co_await handler(request);
    response.keep_alive(request.keep_alive());
    stream.expires_after(limits.write_timeout);
    auto [wec, wn] = co_await http::async_write(stream, response, use_nothrow);
    if (wec) co_return;
    if (!response.keep_alive()) {
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

}  // namespace rai::gateway
