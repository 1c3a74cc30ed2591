// HTTP request handling through the gateway's real session code: one
// rai::gateway::listener (run_http_session per connection: Beast parser,
// limits, framing checks, keep-alive, pipelining) on 127.0.0.1:0, started once
// on its own io_context thread. Its handler runs the pure inbound pipeline
// (route, source lookup, handlers::process_inbound) against the fixed sources
// of fuzz_sources.hpp and answers as the webhook service does, without a
// broker. Each input is the raw bytes of one connection: connect over
// loopback, write them, half-close, read until the server closes.

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "gateway/inbound_request.hpp"
#include "gateway/listener.hpp"
#include "gateway/responses.hpp"
#include "handlers/errc.hpp"
#include "handlers/events.hpp"
#include "handlers/inbound.hpp"
#include "handlers/route.hpp"
#include "tests/fuzz/fuzz_sources.hpp"
#include "tests/support/eintr.hpp"

namespace {

namespace gw = rai::gateway;
namespace net = gw::net;
namespace http = gw::http;

// Short deadlines, so an input that stalls a phase costs milliseconds.
constexpr std::chrono::milliseconds phase_timeout{200};
// The server closes within a few deadlines of the half-close; far beyond that
// is a stuck session, reported as a crash.
constexpr int client_timeout_seconds = 5;

const std::map<std::string, rai::handlers::source_settings, std::less<>>& sources() {
  static const auto* table = [] {
    auto* t = new std::map<std::string, rai::handlers::source_settings, std::less<>>;
    for (auto& s : rai::fuzz::make_encrypted_sources()) t->emplace(s.name, std::move(s));
    auto plain = rai::fuzz::make_plain_source();
    t->emplace(plain.name, std::move(plain));
    return t;
  }();
  return *table;
}

gw::http_response refuse(const http::request_header<>& req, const boost::system::error_code& ec) {
  return gw::error_response(req.version(),
                            static_cast<http::status>(rai::handlers::http_status(ec)),
                            rai::handlers::public_message(ec));
}

// The webhook service's header check: route, source, method, {event} and the
// header checks of the pipeline, before the body is read.
std::optional<gw::http_response> check_header(const http::request_header<>& req) {
  using rai::handlers::inbound_errc;
  const std::string_view target(req.target().data(), req.target().size());
  const auto route = rai::handlers::parse_webhook_route(target);
  if (!route) return refuse(req, route.error());
  const auto it = sources().find(route->source);
  if (it == sources().end()) return refuse(req, inbound_errc::unknown_source);
  if (req.method() != http::verb::post) return refuse(req, inbound_errc::method_not_allowed);
  if (route->event && !rai::handlers::event_from_path(*route->event))
    return refuse(req, inbound_errc::unknown_event);
  const auto in = gw::inbound_request_from(
      req, {}, it->second, std::chrono::system_clock::time_point(rai::fuzz::fixed_now));
  if (auto r = rai::handlers::check_inbound_headers(it->second, in); !r)
    return refuse(req, r.error());
  return std::nullopt;
}

// The webhook service's answer, minus dedupe and publishing.
gw::http_response respond(const gw::http_request& req) {
  using rai::handlers::inbound_errc;
  const std::string_view target(req.target().data(), req.target().size());
  const auto route = rai::handlers::parse_webhook_route(target);
  if (!route) return refuse(req, route.error());
  const auto it = sources().find(route->source);
  if (it == sources().end()) return refuse(req, inbound_errc::unknown_source);
  if (req.method() != http::verb::post) return refuse(req, inbound_errc::method_not_allowed);
  const auto& source = it->second;
  const auto in = gw::inbound_request_from(
      req, req.body(), source, std::chrono::system_clock::time_point(rai::fuzz::fixed_now));
  const auto event = rai::handlers::process_inbound(source, route->event, in);
  if (!event) return refuse(req, event.error());
  return gw::accepted_response(req.version(), event->id, rai::handlers::event_name(event->event),
                               false);
}

net::awaitable<gw::http_response> handle(const gw::http_request& req) {
  co_return respond(req);
}

// Started once and never torn down: the fuzzer exits with the io thread still
// waiting in accept, so nothing here may run a destructor at exit.
struct server {
  net::io_context ioc{1};
  std::unique_ptr<gw::listener> listener;
  std::uint16_t port = 0;
  std::thread io_thread;
};

std::uint16_t server_port() {
  static server* const s = [] {
    auto* s = new server;
    gw::session_limits limits;
    limits.max_body_bytes = 16 * 1024;
    limits.max_header_bytes = 4 * 1024;
    limits.max_target_bytes = 1024;
    limits.header_timeout = phase_timeout;
    limits.body_timeout = phase_timeout;
    limits.write_timeout = phase_timeout;
    limits.idle_timeout = phase_timeout;
    limits.first_byte_timeout = phase_timeout;
    limits.linger_timeout = phase_timeout;
    limits.body_rate_grace = phase_timeout;
    s->listener = std::make_unique<gw::listener>(
        s->ioc, gw::endpoint{"127.0.0.1", 0}, 64, limits,
        gw::request_handler{.check_header = check_header, .handle = handle});
    s->port = s->listener->port();
    s->listener->start();
    s->io_thread = std::thread([s] { s->ioc.run(); });  // runs until the process exits
    return s;
  }();
  return s->port;
}

void fail(const char* what) {
  std::fprintf(stderr, "fuzz_http_request: %s (errno %d)\n", what, errno);
  std::abort();
}

// One connection: the input as the whole request stream, then EOF.
std::string exchange(std::uint16_t port, const std::uint8_t* data, std::size_t size) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  const timeval tv{client_timeout_seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // libFuzzer's timer signal may interrupt any of these calls (EINTR).
  if (rai::test::connect_eintr(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr,
                               client_timeout_seconds * 1000) != 0)
    fail("connect");

  // The server may answer before reading everything (a 400, 413, 431, or a
  // refusal from the header); it then drains what is sent, but a failed send
  // just ends the writing.
  std::size_t sent = 0;
  while (sent < size) {
    const ssize_t n =
        rai::test::retry_eintr([&] { return ::send(fd, data + sent, size - sent, MSG_NOSIGNAL); });
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);

  std::string response;
  char buf[4096];
  for (;;) {
    const ssize_t n = rai::test::retry_eintr([&] { return ::recv(fd, buf, sizeof buf, 0); });
    if (n > 0) {
      response.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      fail("the server did not close the connection within 5 s of the client's EOF");
    }
    break;  // EOF, or a reset after an early answer
  }
  // Close with a reset: no TIME_WAIT pile-up across millions of connections.
  const linger lg{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  ::close(fd);
  return response;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string response = exchange(server_port(), data, size);
  // Whatever the server sends is HTTP/1.x responses (or nothing at all).
  if (!response.empty() && response.compare(0, 7, "HTTP/1.") != 0) std::abort();
  return 0;
}
