#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "gateway/net.hpp"

namespace rai::gateway {

struct session_limits {
  std::uint64_t max_body_bytes = 1 << 20;
  std::uint32_t max_header_bytes = 16 * 1024;
  std::uint32_t max_target_bytes = 4096;
  std::uint32_t max_chunk_extension_bytes = 256;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
};

// Produces the response to one complete, well-framed request.
using request_handler = std::function<net::awaitable<http_response>(const http_request&)>;

// Serves one HTTP/1.1 connection until it closes: keep-alive, one request at a
// time (so pipelined requests are answered in order), a fresh bounded parser
// per request, and a deadline on every phase — idle wait, header, body, write.
// Ambiguous framing is answered 400 and the connection closed, never guessed.
net::awaitable<void> run_http_session(tcp::socket socket, session_limits limits,
                                      const request_handler& handler);

}  // namespace rai::gateway
