#include "http/http_client.hpp"

#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <utility>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace rai::gateway {

namespace {

using clock_type = std::chrono::steady_clock;
namespace ssl = net::ssl;

constexpr std::size_t header_limit = 16 * 1024;
// Bytes buffered ahead of the parser: a header, or one chunk-size line, must fit.
constexpr std::size_t read_buffer_limit = 32 * 1024;
// Interim (1xx) responses skipped before the final one.
constexpr int max_interim_responses = 8;

class http_client_category_impl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "rai.http_client"; }
  std::string message(int ev) const override {
    switch (static_cast<http_client_errc>(ev)) {
      case http_client_errc::bad_url:
        return "invalid URL";
      case http_client_errc::bad_request:
        return "request has no method";
      case http_client_errc::bad_ca_file:
        return "CA file could not be loaded";
      case http_client_errc::connect_timeout:
        return "connect timed out";
      case http_client_errc::response_timeout:
        return "response timed out";
      case http_client_errc::tls_certificate_rejected:
        return "TLS certificate rejected";
      case http_client_errc::tls_handshake_failed:
        return "TLS handshake failed";
      case http_client_errc::connection_closed:
        return "connection closed before a complete response";
      case http_client_errc::response_too_large:
        return "response too large";
      case http_client_errc::bad_response:
        return "malformed response";
    }
    return "unknown http_client error";
  }
};

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && beast::iequals(s.substr(0, prefix.size()), prefix);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// "host:port" with an IPv6 literal in brackets, for the Host header and logs.
std::string authority(const parsed_url& url, bool always_port) {
  std::string out = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  const std::uint16_t default_port = url.tls ? 443 : 80;
  if (always_port || url.port != default_port) out += ":" + std::to_string(url.port);
  return out;
}

std::string millis(std::chrono::milliseconds d) {
  return std::to_string(d.count()) + " ms";
}

http_outcome failure(boost::system::error_code ec, std::string detail) {
  http_outcome out;
  out.error = ec;
  out.error_detail = std::move(detail);
  return out;
}

// The server already hung up: nothing of a response was received.
bool ended_quietly(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == ssl::error::stream_truncated;
}

// Resolution cannot be interrupted (getaddrinfo runs on a helper thread), so
// it is raced against the deadline; a late answer is dropped.
net::awaitable<std::tuple<boost::system::error_code, tcp::resolver::results_type>> resolve(
    const std::string& host, std::uint16_t port, clock_type::time_point deadline) {
  struct state {
    explicit state(const net::any_io_executor& ex) : resolver(ex), timer(ex) {}
    tcp::resolver resolver;
    net::steady_timer timer;
    bool done = false;
    boost::system::error_code ec;
    tcp::resolver::results_type results;
  };
  auto st = std::make_shared<state>(co_await net::this_coro::executor);
  st->timer.expires_at(deadline);
  st->resolver.async_resolve(
      host, std::to_string(port), tcp::resolver::numeric_service,
      [weak = std::weak_ptr<state>(st)](boost::system::error_code ec,
                                        tcp::resolver::results_type results) {
        auto s = weak.lock();
        if (!s) return;  // the caller gave up at its deadline
        s->done = true;
        s->ec = ec;
        s->results = std::move(results);
        s->timer.cancel();
      });
  co_await st->timer.async_wait(use_nothrow);
  if (!st->done)
    co_return std::tuple{make_error_code(beast::error::timeout), tcp::resolver::results_type{}};
  co_return std::tuple{st->ec, std::move(st->results)};
}

// Reports why a TLS handshake failed, preferring OpenSSL's verification
// verdict ("hostname mismatch", "unable to get local issuer certificate").
http_outcome tls_failure(SSL* ssl_handle, const boost::system::error_code& ec,
                         const std::string& where) {
  const long verify = SSL_get_verify_result(ssl_handle);
  if (verify != X509_V_OK)
    return failure(http_client_errc::tls_certificate_rejected,
                   "TLS handshake with " + where +
                       ": certificate rejected: " + X509_verify_cert_error_string(verify));
  if (ec.category() == net::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED)
    return failure(http_client_errc::tls_certificate_rejected,
                   "TLS handshake with " + where + ": certificate rejected: " + ec.message());
  return failure(http_client_errc::tls_handshake_failed,
                 "TLS handshake with " + where + ": " + ec.message());
}

}  // namespace

const boost::system::error_category& http_client_category() noexcept {
  static const http_client_category_impl category;
  return category;
}

boost::system::result<parsed_url> parse_url(std::string_view url) {
  const auto bad = make_error_code(http_client_errc::bad_url);
  for (const char ch : url) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '#') return bad;  // space, control, DEL, non-ASCII, fragment
  }

  parsed_url out;
  std::string_view rest;
  if (starts_with_nocase(url, "http://")) {
    out.tls = false;
    rest = url.substr(7);
  } else if (starts_with_nocase(url, "https://")) {
    out.tls = true;
    rest = url.substr(8);
  } else {
    return bad;
  }

  const auto authority_end = rest.find_first_of("/?");
  const std::string_view auth = rest.substr(0, authority_end);
  const std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (auth.find('@') != std::string_view::npos) return bad;  // userinfo

  std::string_view host;
  std::string_view after_host;
  if (!auth.empty() && auth.front() == '[') {
    const auto close = auth.find(']');
    if (close == std::string_view::npos) return bad;
    host = auth.substr(1, close - 1);
    after_host = auth.substr(close + 1);
    for (const char c : host)
      if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) return bad;
    boost::system::error_code ec;
    net::ip::make_address_v6(std::string(host), ec);
    if (ec) return bad;
  } else {
    const auto colon = auth.find(':');
    host = auth.substr(0, colon);
    after_host = colon == std::string_view::npos ? std::string_view{} : auth.substr(colon);
    for (const char c : host)
      if (!(is_ascii_alnum(c) || c == '-' || c == '.' || c == '_')) return bad;
  }
  if (host.empty()) return bad;
  out.host = lower(host);

  out.port = out.tls ? 443 : 80;
  if (!after_host.empty()) {
    if (after_host.front() != ':') return bad;
    const std::string_view digits = after_host.substr(1);
    if (digits.empty() || digits.size() > 5) return bad;
    unsigned value = 0;
    for (const char c : digits)
      if (c < '0' || c > '9') return bad;
    std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (value == 0 || value > 65535) return bad;
    out.port = static_cast<std::uint16_t>(value);
  }

  if (tail.empty())
    out.target = "/";
  else if (tail.front() == '?')
    out.target = "/" + std::string(tail);
  else
    out.target = std::string(tail);
  return out;
}

namespace detail {

struct http_connection {
  http_connection(const net::any_io_executor& ex, std::shared_ptr<ssl::context> ctx) {
    if (ctx) {
      context = std::move(ctx);
      tls.emplace(ex, *context);
    } else {
      plain.emplace(ex);
    }
  }

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // An idle connection is usable only if the server has neither closed it nor
  // sent anything unasked (a TLS close_notify, a stray response).
  bool quiet() {
    auto& socket = tcp().socket();
    if (!socket.is_open()) return false;
    char byte;
    const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  std::shared_ptr<ssl::context> context;  // outlives the stream built on it
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  std::optional<beast::tcp_stream> plain;
  clock_type::time_point idle_since{};
};

}  // namespace detail

namespace {

using detail::http_connection;

struct exchange_result {
  http_outcome outcome;
  bool reusable = false;   // complete response, keep-alive on both sides, nothing left over
  bool quiet_end = false;  // failed before a single response byte arrived
};

// Resolves, connects and (for https) completes a verified TLS handshake, all
// within connect_timeout. Returns the failure, or fills `out`.
net::awaitable<http_outcome> open_connection(net::any_io_executor ex, const parsed_url& url,
                                             std::shared_ptr<ssl::context> tls,
                                             std::chrono::milliseconds connect_timeout,
                                             std::unique_ptr<http_connection>& out) {
  const auto deadline = clock_type::now() + connect_timeout;
  const std::string where = authority(url, true);
  auto timed_out = [&](const boost::system::error_code& ec) {
    return ec == beast::error::timeout || clock_type::now() >= deadline;
  };

  auto [rec, endpoints] = co_await resolve(url.host, url.port, deadline);
  if (rec) {
    if (timed_out(rec))
      co_return failure(http_client_errc::connect_timeout,
                        "resolving " + url.host + ": timed out after " + millis(connect_timeout));
    co_return failure(rec, "resolving " + url.host + ": " + rec.message());
  }

  auto conn = std::make_unique<http_connection>(ex, std::move(tls));
  auto& stream = conn->tcp();
  stream.expires_at(deadline);
  auto [cec, endpoint] = co_await stream.async_connect(endpoints, use_nothrow);
  (void)endpoint;
  if (cec) {
    if (timed_out(cec))
      co_return failure(http_client_errc::connect_timeout,
                        "connecting to " + where + ": timed out after " + millis(connect_timeout));
    co_return failure(cec, "connecting to " + where + ": " + cec.message());
  }
  boost::system::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);

  if (conn->tls) {
    auto& tls_stream = *conn->tls;
    SSL* handle = tls_stream.native_handle();
    const bool ip = is_ip_literal(url.host);
    // SNI carries host names only (RFC 6066); OpenSSL's own name check sets a
    // precise verify result, and Asio's host_name_verification checks again.
    if (!ip && SSL_set_tlsext_host_name(handle, url.host.c_str()) != 1)
      co_return failure(http_client_errc::tls_handshake_failed,
                        "TLS handshake with " + where + ": cannot set SNI");
    const int name_set =
        ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), url.host.c_str())
           : SSL_set1_host(handle, url.host.c_str());
    if (name_set != 1)
      co_return failure(http_client_errc::tls_handshake_failed,
                        "TLS handshake with " + where + ": cannot set the expected name");
    boost::system::error_code vec;
    tls_stream.set_verify_mode(ssl::verify_peer, vec);
    if (!vec) tls_stream.set_verify_callback(ssl::host_name_verification(url.host), vec);
    if (vec)
      co_return failure(http_client_errc::tls_handshake_failed,
                        "TLS handshake with " + where + ": " + vec.message());

    stream.expires_at(deadline);
    auto [hec] = co_await tls_stream.async_handshake(ssl::stream_base::client, use_nothrow);
    if (hec) {
      if (timed_out(hec))
        co_return failure(
            http_client_errc::connect_timeout,
            "TLS handshake with " + where + ": timed out after " + millis(connect_timeout));
      co_return tls_failure(handle, hec, where);
    }
  }
  stream.expires_never();
  out = std::move(conn);
  co_return http_outcome{};
}

http_outcome read_failure(const boost::system::error_code& ec, const std::string& where,
                          std::chrono::milliseconds timeout, std::size_t body_limit) {
  const std::string prefix = "reading the response from " + where + ": ";
  if (ec == beast::error::timeout)
    return failure(http_client_errc::response_timeout,
                   prefix + "timed out after " + millis(timeout));
  if (ec == http::error::body_limit)
    return failure(http_client_errc::response_too_large,
                   prefix + "body over " + std::to_string(body_limit) + " bytes");
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    return failure(http_client_errc::response_too_large, prefix + "header too large");
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == net::error::eof || ec == ssl::error::stream_truncated)
    return failure(http_client_errc::connection_closed, prefix + ec.message());
  if (ec.category() == make_error_code(http::error::bad_method).category())
    return failure(http_client_errc::bad_response, prefix + ec.message());
  return failure(ec, prefix + ec.message());
}

// Writes the request and reads the final response (skipping 1xx), under one
// deadline of `timeout`.
template <class Stream>
net::awaitable<exchange_result> exchange_on(Stream& stream, beast::tcp_stream& tcp_layer,
                                            const parsed_url& url, http_request& request,
                                            std::chrono::milliseconds timeout,
                                            std::size_t body_limit) {
  exchange_result result;
  const std::string where = authority(url, true);
  const auto deadline = clock_type::now() + timeout;

  tcp_layer.expires_at(deadline);
  auto [wec, written] = co_await http::async_write(stream, request, use_nothrow);
  (void)written;
  if (wec) {
    result.quiet_end = wec != beast::error::timeout;
    result.outcome =
        wec == beast::error::timeout
            ? failure(http_client_errc::response_timeout,
                      "writing the request to " + where + ": timed out after " + millis(timeout))
            : failure(wec, "writing the request to " + where + ": " + wec.message());
    co_return result;
  }

  beast::flat_buffer buffer(read_buffer_limit);
  for (int interim = 0;; ++interim) {
    http::response_parser<http::string_body> parser;
    parser.header_limit(header_limit);
    parser.body_limit(body_limit);
    if (request.method() == http::verb::head) parser.skip(true);

    tcp_layer.expires_at(deadline);
    auto [rec, read] = co_await http::async_read(stream, buffer, parser, use_nothrow);
    (void)read;
    // A body over the limit after a complete header still has a status: the
    // server answered (a 2xx means delivered), only the excess body is dropped
    // along with the connection.
    const bool oversize_body = rec == http::error::body_limit && parser.is_header_done();
    if (rec && !oversize_body) {
      result.quiet_end =
          interim == 0 && !parser.got_some() && buffer.size() == 0 && ended_quietly(rec);
      result.outcome = read_failure(rec, where, timeout, body_limit);
      co_return result;
    }

    auto& response = parser.get();
    const unsigned status = response.result_int();
    if (status >= 100 && status < 200 && status != 101) {
      if (interim + 1 >= max_interim_responses) {
        result.outcome = failure(http_client_errc::bad_response,
                                 "reading the response from " + where + ": too many 1xx responses");
        co_return result;
      }
      continue;
    }

    result.outcome.status = status;
    if (auto it = response.find(http::field::retry_after); it != response.end())
      result.outcome.retry_after = std::string(it->value());
    if (auto it = response.find(http::field::location); it != response.end())
      result.outcome.location = std::string(it->value());
    result.reusable = !oversize_body && parser.keep_alive() && request.keep_alive() &&
                      buffer.size() == 0 && status != 101;
    result.outcome.body = std::move(response.body());
    if (result.reusable) tcp_layer.expires_never();
    co_return result;
  }
}

net::awaitable<exchange_result> exchange(http_connection& conn, const parsed_url& url,
                                         http_request& request, std::chrono::milliseconds timeout,
                                         std::size_t body_limit) {
  if (conn.tls)
    co_return co_await exchange_on(*conn.tls, conn.tcp(), url, request, timeout, body_limit);
  co_return co_await exchange_on(*conn.plain, conn.tcp(), url, request, timeout, body_limit);
}

}  // namespace

http_client::http_client(net::io_context& ioc, http_client_settings settings)
    : ioc_(ioc), settings_(settings) {}

http_client::~http_client() = default;

net::awaitable<http_outcome> http_client::send(const parsed_url& url, http_request request,
                                               std::chrono::milliseconds timeout,
                                               const std::string& ca_file) {
  // A strand of its own: the stream's timers and I/O completions for this
  // exchange never run concurrently, whatever executor the caller is on.
  co_return co_await net::co_spawn(
      net::make_strand(ioc_), run(url, std::move(request), timeout, ca_file), net::use_awaitable);
}

net::awaitable<http_outcome> http_client::run(parsed_url url, http_request request,
                                              std::chrono::milliseconds timeout,
                                              std::string ca_file) {
  if (request.method() == http::verb::unknown && request.method_string().empty())
    co_return failure(http_client_errc::bad_request, "request has no method");
  request.target(url.target);
  request.set(http::field::host, authority(url, false));
  request.prepare_payload();

  std::shared_ptr<ssl::context> tls;
  if (url.tls) {
    http_outcome failed;
    tls = tls_context(ca_file, failed);
    if (!tls) co_return failed;
  }
  const pool_key key{url.tls, url.host, url.port, url.tls ? ca_file : std::string{}};
  // Idle connections move between exchanges (and strands), so they are bound
  // to the io_context itself; every handler runs on this exchange's strand.
  const net::any_io_executor ex = ioc_.get_executor();

  for (int attempt = 0;; ++attempt) {
    connection_ptr conn = attempt == 0 ? take_idle(key) : nullptr;
    const bool pooled = conn != nullptr;
    if (!conn) {
      http_outcome failed = co_await open_connection(ex, url, tls, settings_.connect_timeout, conn);
      if (!conn) co_return failed;
    }
    exchange_result result =
        co_await exchange(*conn, url, request, timeout, settings_.max_response_body);
    // A pooled connection the server had already closed: resend once, fresh.
    if (pooled && result.quiet_end) continue;
    if (result.reusable) give_back(key, std::move(conn));
    co_return std::move(result.outcome);
  }
}

std::shared_ptr<ssl::context> http_client::tls_context(const std::string& ca_file,
                                                       http_outcome& failed) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = contexts_.find(ca_file); it != contexts_.end()) return it->second;
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
    failed = failure(http_client_errc::tls_handshake_failed, "cannot require TLS 1.2");
    return nullptr;
  }
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression, ec);
  if (!ec) ctx->set_verify_mode(ssl::verify_peer, ec);
  if (!ec) ctx->set_default_verify_paths(ec);
  if (ec) {
    failed = failure(http_client_errc::tls_handshake_failed, "TLS setup: " + ec.message());
    return nullptr;
  }
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec) {
      failed = failure(http_client_errc::bad_ca_file,
                       "cannot load CA file '" + ca_file + "': " + ec.message());
      return nullptr;
    }
  }
  std::lock_guard lock(mutex_);
  return contexts_.try_emplace(ca_file, std::move(ctx)).first->second;
}

http_client::connection_ptr http_client::take_idle(const pool_key& key) {
  std::vector<connection_ptr> dropped;  // destroyed after the lock is released
  connection_ptr found;
  {
    std::lock_guard lock(mutex_);
    auto it = pool_.find(key);
    if (it == pool_.end()) return nullptr;
    auto& idle = it->second;
    const auto now = clock_type::now();
    // Oldest first: drop the expired ones, then take the most recently used.
    std::size_t expired = 0;
    while (expired < idle.size() && now - idle[expired]->idle_since >= settings_.idle_timeout)
      ++expired;
    for (std::size_t i = 0; i < expired; ++i) dropped.push_back(std::move(idle[i]));
    idle.erase(idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(expired));
    while (!idle.empty() && !found) {
      connection_ptr candidate = std::move(idle.back());
      idle.pop_back();
      if (candidate->quiet())
        found = std::move(candidate);
      else
        dropped.push_back(std::move(candidate));
    }
    if (idle.empty()) pool_.erase(it);
  }
  return found;
}

void http_client::give_back(const pool_key& key, connection_ptr conn) {
  conn->idle_since = clock_type::now();
  connection_ptr evicted;  // destroyed after the lock is released
  {
    std::lock_guard lock(mutex_);
    if (settings_.max_idle_per_host == 0) {
      evicted = std::move(conn);
    } else {
      auto& idle = pool_[key];
      if (idle.size() >= settings_.max_idle_per_host) {
        evicted = std::move(idle.front());
        idle.erase(idle.begin());
      }
      idle.push_back(std::move(conn));
    }
  }
}

std::size_t http_client::idle_connections() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [key, idle] : pool_) n += idle.size();
  return n;
}

}  // namespace rai::gateway
