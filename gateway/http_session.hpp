#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "gateway/work_gate.hpp"
#include "http/net.hpp"

namespace boost::asio::ssl {
class context;
}

namespace rai::gateway {

class byte_budget;
class connection_set;
struct connection_state;

struct session_limits {
  std::uint64_t max_body_bytes = 1 << 20;
  std::uint32_t max_header_bytes = 16 * 1024;
  std::uint32_t max_target_bytes = 4096;
  std::uint32_t max_chunk_extension_bytes = 256;
  // A new connection's first byte (for TLS, of its ClientHello) must come
  // within this; until then it is idle, and may be closed to make room.
  std::chrono::milliseconds first_byte_timeout{5'000};
  std::chrono::milliseconds header_timeout{10'000};  // also bounds the TLS handshake
  // A body must end within body_timeout, and keep up the minimum rate: after
  // the grace period, at least min_body_bytes_per_second bytes for each second
  // (see body_deadline). 0: no minimum rate.
  std::chrono::milliseconds body_timeout{30'000};
  std::uint64_t min_body_bytes_per_second = 1024;
  std::chrono::milliseconds body_rate_grace{5'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  // After an early refusal (a response sent before the request was read in
  // full), what the client still sends is read and discarded for up to this
  // long and this many bytes before the connection closes, so that the client
  // reads the response instead of a reset (lingering close, as nginx does).
  std::chrono::milliseconds linger_timeout{5'000};
  std::uint64_t linger_max_bytes = 8ull << 20;
  // Shared by the listener's connections: request bodies take from it as their
  // bytes arrive; a body that finds it exhausted is refused with 503 +
  // Retry-After. Null: no shared cap.
  std::shared_ptr<byte_budget> body_budget;
  std::chrono::seconds retry_after{5};
};

// A listener's service. `check_header` judges a request from its header alone,
// as soon as the header has arrived, before a byte of the body is read,
// budgeted or invited with 100 Continue: a response refuses the request (the
// body is never read); nullopt lets it through. Empty: nothing to check there.
// `handle` produces the response to a complete, well-framed request that
// passed the header check.
struct request_handler {
  using header_check =
      std::function<std::optional<http_response>(const http::request_header<>& header)>;
  using body_handler = std::function<net::awaitable<http_response>(const http_request& request)>;

  header_check check_header;
  body_handler handle;
};

// Serves one HTTP/1.1 connection until it closes: keep-alive, one request at a
// time (so pipelined requests are answered in order), a fresh bounded parser
// per request, and a deadline on every phase — first byte, TLS handshake, idle
// wait, header, body (with its minimum rate), write. Once the header is in,
// the handler's header check runs before anything of the body; the body then
// takes from the shared budget as its bytes arrive. Ambiguous framing is
// answered 400 and the connection closed, never guessed; every response sent
// before the request was read in full (400, 401, 404, 405, 413, 431, 503) is
// followed by a lingering close. With `tls` the connection speaks TLS (1.2 or
// later, as the context allows); a client that does not is dropped at the
// handshake. While the connection waits for a request (its first byte, or the
// next one on keep-alive) it is idle in `connections`, which may close it to
// make room for a new one; `state` is the connection's entry there, added
// (idle) when it was accepted, and `open` its place among the open connections
// (connection_set::admit), given back when the session ends. Once
// `connections` drains, the connection closes after its current response, or
// at once when it is idle.
net::awaitable<void> run_http_session(tcp::socket socket, std::shared_ptr<net::ssl::context> tls,
                                      session_limits limits, const request_handler& handler,
                                      std::shared_ptr<connection_set> connections,
                                      std::shared_ptr<connection_state> state,
                                      work_gate::ticket open);

}  // namespace rai::gateway
