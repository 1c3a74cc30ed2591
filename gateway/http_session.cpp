#include "gateway/http_session.hpp"

#include <algorithm>
#include <array>
#include <string>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "gateway/body_pace.hpp"
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
template <class Fields>
std::optional<framing_error> check_framing(const http::header<true, Fields>& req) {
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

template <class Fields>
bool wants_continue(const http::header<true, Fields>& req) {
  auto it = req.find(http::field::expect);
  return it != req.end() && beast::iequals(it->value(), "100-continue");
}

// A request body that grows as its bytes arrive. Beast's string_body reserves
// the whole declared Content-Length as soon as the header is parsed, before a
// byte of the body has come; this one grows geometrically, never beyond the
// declared length, so the memory a body holds follows what it has sent (and
// its capacity is what the session takes from the shared budget).
struct growing_body {
  using value_type = std::string;

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, beast::error_code& ec) {
      declared_ = length.value_or(0);
      ec = {};
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, beast::error_code& ec) {
      const std::size_t extra = net::buffer_size(buffers);
      const std::size_t size = body_.size();
      if (extra > body_.max_size() - size) {
        ec = http::error::buffer_overflow;
        return 0;
      }
      const std::size_t need = size + extra;
      if (need > body_.capacity()) {
        std::size_t next = std::max(need, 2 * body_.capacity());
        if (declared_ >= need && next > declared_) next = static_cast<std::size_t>(declared_);
        body_.reserve(next);
      }
      body_.resize(need);
      ec = {};
      return net::buffer_copy(net::buffer(body_.data() + size, extra), buffers);
    }

    void finish(beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
    std::uint64_t declared_ = 0;
  };
};

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

// Reads and discards what the client still sends after an early refusal,
// until it closes its side, for at most `timeout` and `max_bytes`: closing
// with its bytes unread would make the kernel answer them with a reset, which
// can destroy the response before the client has read it.
net::awaitable<void> linger(beast::tcp_stream& s, std::chrono::milliseconds timeout,
                            std::uint64_t max_bytes) {
  s.expires_after(timeout);
  std::array<char, 8192> sink;
  std::uint64_t discarded = 0;
  while (discarded < max_bytes) {
    auto [ec, n] = co_await s.async_read_some(net::buffer(sink), use_nothrow);
    if (ec) co_return;  // the client's EOF, the deadline, or a reset
    discarded += n;
  }
}

// A HEAD response carries the GET response's Content-Length but no body.
void strip_body_for_head(const http::request_header<>& req, http_response& res) {
  if (req.method() != http::verb::head) return;
  const auto length = res.body().size();
  res.body().clear();
  res.content_length(length);
}

// The most a body's first read can bring: the session's read buffer.
std::uint64_t first_read_bytes(const session_limits& limits) {
  return limits.max_header_bytes + 16 * 1024;
}

template <class Stream>
net::awaitable<void> serve(Stream& stream, beast::flat_buffer& buffer, session_limits limits,
                           const request_handler& handler, connection_state& state,
                           connection_set& connections) {
  const body_pace pace{.timeout = limits.body_timeout,
                       .min_bytes_per_second = limits.min_body_bytes_per_second,
                       .grace = limits.body_rate_grace};

  // A response sent before the request was read in full: no keep-alive, and a
  // lingering close for what the client may still be sending.
  auto refuse = [&](http_response res) -> net::awaitable<void> {
    res.keep_alive(false);
    lowest(stream).expires_after(limits.write_timeout);
    auto [ec, n] = co_await http::async_write(stream, res, use_nothrow);
    if (ec) co_return;
    co_await close_gracefully(stream, limits.write_timeout);
    co_await linger(lowest(stream), limits.linger_timeout, limits.linger_max_bytes);
  };

  for (;;) {
    // Between requests the connection is idle: wait for the first byte under
    // the idle deadline, then the header deadline runs from that byte on.
    if (buffer.size() == 0) {
      if (connections.draining()) co_return;
      connections.set_idle(state, true);
      lowest(stream).expires_after(limits.idle_timeout);
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_nothrow);
      connections.set_idle(state, false);
      if (ec) co_return;
      buffer.commit(n);
    }

    http::request_parser<growing_body> parser;
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
        co_await refuse(error_response(11, err->status, err->message));
      co_return;
    }
    const auto& head = parser.get();
    if (head.target().size() > limits.max_target_bytes) {
      co_await refuse(
          error_response(head.version(), http::status::uri_too_long, "request-target too long"));
      co_return;
    }
    if (auto err = check_framing(head)) {
      co_await refuse(error_response(head.version(), err->status, err->message));
      co_return;
    }

    // What the header alone decides, before any of the body is read.
    if (handler.check_header) {
      if (auto early = handler.check_header(head)) {
        if (!parser.is_done()) {
          co_await refuse(std::move(*early));
          co_return;
        }
        early->keep_alive(head.keep_alive() && !connections.draining());
        strip_body_for_head(head, *early);
        lowest(stream).expires_after(limits.write_timeout);
        auto [wec, wn] = co_await http::async_write(stream, *early, use_nothrow);
        if (wec) co_return;
        if (!early->keep_alive()) {
          co_await close_gracefully(stream, limits.write_timeout);
          co_return;
        }
        continue;
      }
    }

    // The body takes from the shared budget as it grows, and must keep up
    // the minimum rate.
    byte_reservation body_memory(limits.body_budget.get());
    if (!parser.is_done()) {
      if (limits.body_budget &&
          limits.body_budget->available() <
              std::min<std::uint64_t>(parser.content_length().value_or(limits.max_body_bytes),
                                      first_read_bytes(limits))) {
        co_await refuse(unavailable_response(head.version(), "server busy", limits.retry_after));
        co_return;
      }
      if (wants_continue(head)) {
        http::response<http::empty_body> cont{http::status::continue_, head.version()};
        lowest(stream).expires_after(limits.write_timeout);
        auto [cec, cn] = co_await http::async_write(stream, cont, use_nothrow);
        if (cec) co_return;
      }
      const auto started = std::chrono::steady_clock::now();
      while (!parser.is_done()) {
        lowest(stream).expires_at(body_deadline(started, parser.get().body().size(), pace));
        auto [bec, bn] = co_await http::async_read_some(stream, buffer, parser, use_nothrow);
        if (bec) {
          if (auto err = classify_read_error(bec))
            co_await refuse(error_response(head.version(), err->status, err->message));
          co_return;  // the deadline (too slow), a reset or EOF: nobody to answer
        }
        if (!body_memory.hold(parser.get().body().capacity())) {
          co_await refuse(unavailable_response(head.version(), "server busy", limits.retry_after));
          co_return;
        }
      }
    }

    auto parsed = parser.release();
    const http_request request(std::move(parsed.base()), std::move(parsed.body()));
    http_response response = co_await handler.handle(request);
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

// A new connection is idle until its first byte (for TLS, of the ClientHello)
// arrives within first_byte_timeout; that byte goes into `buffer`.
net::awaitable<bool> first_byte(beast::tcp_stream& s, beast::flat_buffer& buffer,
                                const session_limits& limits, connection_state& state,
                                connection_set& connections) {
  if (connections.draining()) co_return false;
  s.expires_after(limits.first_byte_timeout);  // idle since connections.add()
  auto [ec, n] = co_await s.async_read_some(buffer.prepare(4096), use_nothrow);
  connections.set_idle(state, false);
  if (ec) co_return false;
  buffer.commit(n);
  co_return true;
}

}  // namespace

net::awaitable<void> run_http_session(tcp::socket socket, std::shared_ptr<net::ssl::context> tls,
                                      session_limits limits, const request_handler& handler,
                                      std::shared_ptr<connection_set> connections,
                                      std::shared_ptr<connection_state> state,
                                      work_gate::ticket open) {
  // A local, so it runs before the parameters go: the ticket leaves last,
  // once the connection is out of the set, while `connections` is still held.
  struct unregister {
    connection_set& set;
    connection_state& state;
    work_gate::ticket open;
    ~unregister() {
      state.socket = nullptr;
      set.remove(state);
    }
  } on_exit{*connections, *state, std::move(open)};

  // Caps everything buffered ahead of the parser, pipelined requests included.
  beast::flat_buffer buffer(first_read_bytes(limits));

  if (!tls) {
    beast::tcp_stream stream(std::move(socket));
    state->socket = &stream.socket();
    if (!co_await first_byte(stream, buffer, limits, *state, *connections)) co_return;
    co_await serve(stream, buffer, limits, handler, *state, *connections);
    co_return;
  }
  tls_stream stream(beast::tcp_stream(std::move(socket)), *tls);
  state->socket = &stream.next_layer().socket();
  if (!co_await first_byte(stream.next_layer(), buffer, limits, *state, *connections)) co_return;
  // The handshake starts from the bytes already read: the ClientHello, or its
  // beginning (the client sends nothing else before the server answers).
  stream.next_layer().expires_after(limits.header_timeout);
  auto [ec, used] =
      co_await stream.async_handshake(net::ssl::stream_base::server, buffer.data(), use_nothrow);
  if (ec || used != buffer.size()) co_return;  // not TLS, no shared version or cipher, too slow
  buffer.consume(used);
  co_await serve(stream, buffer, limits, handler, *state, *connections);
}

}  // namespace rai::gateway
