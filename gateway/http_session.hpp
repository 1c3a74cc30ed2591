#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "gateway/net.hpp"

namespace boost::asio::ssl {
class context;
}

namespace rai::gateway {

class byte_budget;
class connection_set;

struct session_limits {
  std::uint64_t max_body_bytes = 1 << 20;
  std::uint32_t max_header_bytes = 16 * 1024;
  std::uint32_t max_target_bytes = 4096;
  std::uint32_t max_chunk_extension_bytes = 256;
  std::chrono::milliseconds header_timeout{10'000};  // also bounds the TLS handshake
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  // Shared by the listener's connections: a body that does not fit is refused
  // with 503 + Retry-After before it is read. Null: no shared cap.
  std::shared_ptr<byte_budget> body_budget;
  std::chrono::seconds retry_after{5};
};

// Produces the response to one complete, well-framed request.
using request_handler = std::function<net::awaitable<http_response>(const http_request&)>;

// Serves one HTTP/1.1 connection until it closes: keep-alive, one request at a
// time (so pipelined requests are answered in order), a fresh bounded parser
// per request, and a deadline on every phase — TLS handshake, idle wait,
// header, body, write. Ambiguous framing is answered 400 and the connection
// closed, never guessed. With `tls` the connection speaks TLS (1.2 or later,
// as the context allows); a client that does not is dropped at the handshake.
// Once `connections` drains, the connection closes after its current
// response, or at once when it is idle.
net::awaitable<void> run_http_session(tcp::socket socket, std::shared_ptr<net::ssl::context> tls,
                                      session_limits limits, const request_handler& handler,
                                      std::shared_ptr<connection_set> connections);

}  // namespace rai::gateway
