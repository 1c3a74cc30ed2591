#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <boost/asio/io_context.hpp>

#include "http/net.hpp"

namespace boost::asio::ssl {
class context;
}

namespace rai::gateway {

namespace detail {
struct http_connection;  // one TCP or TLS connection, defined in http_client.cpp
}

// Why an outbound request produced no HTTP status. Socket-level failures
// (connection refused, reset, unreachable, DNS) keep their system/netdb code.
enum class http_client_errc {
  bad_url = 1,               // parse_url refused the URL
  bad_request,               // the request has no method
  bad_ca_file,               // the configured CA file could not be loaded
  connect_timeout,           // resolve + connect + TLS handshake exceeded connect_timeout
  response_timeout,          // writing the request + reading the response exceeded the timeout
  tls_certificate_rejected,  // the server's certificate failed verification (chain, name, date)
  tls_handshake_failed,      // any other TLS handshake failure (protocol, cipher, peer alert)
  connection_closed,         // the server closed before a complete response
  response_too_large,        // response header over 16 KiB or body over max_response_body
  bad_response,              // the response is not well-formed HTTP/1.1
};

const boost::system::error_category& http_client_category() noexcept;

inline boost::system::error_code make_error_code(http_client_errc e) noexcept {
  return {static_cast<int>(e), http_client_category()};
}

struct parsed_url {
  bool tls = false;
  std::string host;  // lower-cased; an IPv6 literal without its brackets ("::1")
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"
};

// Accepts absolute http:// and https:// URLs (scheme case-insensitive): a
// host name, IPv4 or bracketed IPv6 literal, an optional port (1-65535,
// default 80/443), then path and query. Refuses userinfo, fragments, zone
// ids, empty hosts or ports, whitespace, control and non-ASCII bytes.
// Failure: http_client_errc::bad_url.
boost::system::result<parsed_url> parse_url(std::string_view url);

struct http_client_settings {
  std::chrono::milliseconds connect_timeout{5000};  // resolve + TCP connect + TLS handshake
  std::chrono::milliseconds idle_timeout{30000};    // an idle pooled connection older is discarded
  std::size_t max_idle_per_host = 32;
  std::size_t max_response_body = 64 * 1024;
};

struct http_outcome {
  // Transport failure (resolve, connect, TLS, timeout, framing, size limit);
  // when set, status is 0 and error_detail says what happened, for logs and
  // x-last-error (host, port and reason; never headers or bodies).
  boost::system::error_code error;
  std::string error_detail;
  unsigned status = 0;
  std::string body;  // at most max_response_body bytes
  std::optional<std::string> retry_after;
  std::string location;  // a 3xx is returned as is, never followed
};

// Outbound HTTP/1.1 client with a keep-alive pool per (scheme, host, port,
// ca_file). Thread-safe: send() may run concurrently from any executor of the
// io_context; each exchange runs on a strand of its own and owns its
// connection exclusively. The client must outlive every send() in flight and
// be destroyed before the io_context.
class http_client {
 public:
  http_client(net::io_context& ioc, http_client_settings settings);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // Sends one request and reads one response. Sets Host, the target (from
  // `url`) and Content-Length (prepare_payload); the caller sets the method and
  // every other header. For https, verification is always on: the system CA
  // store plus `ca_file` if given, peer verification, SNI and host name
  // checks, TLS 1.2 or later; nothing is written before the handshake has
  // verified the server. `timeout` bounds writing the request plus reading the
  // response; connecting has its own connect_timeout. Redirects are returned,
  // never followed.
  //
  // Resending: if a pooled keep-alive connection turns out to be closed by the
  // server (the write fails, or the connection ends before any byte of the
  // response), the request is sent once more on a fresh connection. The
  // server may, in that one case, have seen the request already; requests
  // carry an Idempotency-Key, which makes the duplicate harmless. In every
  // other case (fresh connection, timeout, partial response) it is never resent.
  net::awaitable<http_outcome> send(const parsed_url& url, http_request request,
                                    std::chrono::milliseconds timeout,
                                    const std::string& ca_file = {});

  std::size_t idle_connections() const;  // for tests and metrics

 private:
  using pool_key = std::tuple<bool, std::string, std::uint16_t, std::string>;
  using connection_ptr = std::unique_ptr<detail::http_connection>;

  net::awaitable<http_outcome> run(parsed_url url, http_request request,
                                   std::chrono::milliseconds timeout, std::string ca_file);
  std::shared_ptr<net::ssl::context> tls_context(const std::string& ca_file, http_outcome& failure);
  connection_ptr take_idle(const pool_key& key);
  void give_back(const pool_key& key, connection_ptr conn);

  net::io_context& ioc_;
  http_client_settings settings_;
  mutable std::mutex mutex_;  // guards pool_ and contexts_; never held across co_await
  std::map<pool_key, std::vector<connection_ptr>> pool_;  // oldest first
  std::map<std::string, std::shared_ptr<net::ssl::context>> contexts_;
};

}  // namespace rai::gateway

template <>
struct boost::system::is_error_code_enum<rai::gateway::http_client_errc> : std::true_type {};
