// HTTP request handling through the gateway's real code: one
// rai::gateway::listener (run_http_session per connection: Beast parser,
// limits, framing checks, keep-alive, pipelining) on 127.0.0.1:0, started once
// on its own io_context thread, whose handler is the real webhook_service
// (route, source lookup, header checks, handlers::process_inbound, dedupe,
// publishing) over the fixed sources of fuzz_sources.hpp. Its publisher is a
// fake that confirms every event at once (tests/support/fake_publisher.hpp):
// no broker. Each input is the raw bytes of one connection: connect over
// loopback, write them, half-close, read until the server closes.

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "config/config.hpp"
#include "gateway/inbound_metrics.hpp"
#include "gateway/listener.hpp"
#include "gateway/webhook_service.hpp"
#include "tests/fuzz/fuzz_sources.hpp"
#include "tests/support/eintr.hpp"
#include "tests/support/fake_publisher.hpp"

namespace {

namespace gw = rai::gateway;
namespace net = gw::net;
namespace http = gw::http;

// Short deadlines, so an input that stalls a phase costs milliseconds.
constexpr std::chrono::milliseconds phase_timeout{200};
// The server closes within a few deadlines of the half-close; far beyond that
// is a stuck session, reported as a crash.
constexpr int client_timeout_seconds = 5;

// The service reads the real clock, while the seeds of make_corpus.py are
// signed at fuzz_sources.hpp's fixed_now: a tolerance wide enough for both
// keeps their signatures valid (inputs still reach the timestamp check with
// timestamps a century away).
constexpr std::chrono::seconds signature_tolerance{std::chrono::years(100)};

gw::gateway_config service_config() {
  gw::gateway_config c;
  c.dedupe.max_entries = 4096;  // small: eviction is exercised too
  for (auto& s : rai::fuzz::make_encrypted_sources()) c.sources.push_back(std::move(s));
  c.sources.push_back(rai::fuzz::make_plain_source());
  for (auto& s : c.sources) s.signature_tolerance = signature_tolerance;
  return c;
}

// Started once and never torn down: the fuzzer exits with the io thread still
// waiting in accept, so nothing here may run a destructor at exit.
struct server {
  net::io_context ioc{1};
  rai::test::fake_publisher publisher{rai::amqp::publish_status::confirmed};
  gw::inbound_metrics metrics;
  gw::webhook_service service{service_config(), publisher, nullptr, metrics};
  std::unique_ptr<gw::listener> listener;
  std::uint16_t port = 0;
  std::thread io_thread;
};

std::uint16_t server_port() {
  static server* const s = [] {
    auto* s = new server;
    s->publisher.keep_settled(false);  // millions of inputs: count, do not keep
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
        gw::request_handler{
            .check_header =
                [s](const http::request_header<>& h) { return s->service.check_header(h); },
            .handle = [s](const gw::http_request& r) { return s->service.handle(r); }});
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
