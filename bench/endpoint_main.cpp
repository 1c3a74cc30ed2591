// rai-bench-endpoint: a fake Returning.AI incoming-webhook endpoint for the
// outbound benchmark (issue 7). Answers every POST with 200 `{}` on a
// keep-alive connection and counts them; GET /stats answers the counts as
// JSON; SIGINT / SIGTERM print them and exit.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/cli.hpp"
#include "bench/json_writer.hpp"
#include "http/net.hpp"

namespace {

using namespace rai::bench;
using namespace rai::gateway;  // http/net.hpp: net, beast, http, tcp, use_nothrow
using clock = std::chrono::steady_clock;

constexpr const char* usage = R"(usage: rai-bench-endpoint [--host IP] [--port PORT] [--threads T]

  --host IP        address to listen on (127.0.0.1)
  --port PORT      port (0: any free port; the chosen one is printed)
  --threads T      server threads (1)
  --status CODE    status answered to POSTs (200)

Every POST is answered `{}` with the status and counted; the Idempotency-Key
headers are collected to count distinct commands. GET /stats answers
{"requests":N,"distinct_ids":D,"first_to_last_s":S,"rate":R}.
SIGINT or SIGTERM prints the same and exits.
)";

class counters {
 public:
  void record(std::string_view idempotency_key) {
    const clock::time_point now = clock::now();
    std::lock_guard lock(mu_);
    if (requests_ == 0) first_ = now;
    last_ = now;
    ++requests_;
    if (!idempotency_key.empty()) ids_.emplace(idempotency_key);
  }

  std::string json() const {
    std::lock_guard lock(mu_);
    const double span = requests_ > 1 ? std::chrono::duration<double>(last_ - first_).count() : 0;
    json_writer j;
    j.begin_object()
        .uint("requests", requests_)
        .uint("distinct_ids", ids_.size())
        .num("first_to_last_s", span)
        .num("rate", span > 0 ? static_cast<double>(requests_ - 1) / span : 0)
        .end_object();
    return j.text();
  }

 private:
  mutable std::mutex mu_;
  std::uint64_t requests_ = 0;
  clock::time_point first_{}, last_{};
  std::unordered_set<std::string> ids_;
};

net::awaitable<void> session(tcp::socket socket, counters& stats, unsigned post_status) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    auto [ec, n] = co_await http::async_read(socket, buffer, parser, use_nothrow);
    if (ec) break;
    const auto& req = parser.get();
    http::response<http::string_body> res;
    res.version(req.version());
    res.set(http::field::content_type, "application/json");
    if (req.method() == http::verb::post) {
      stats.record(req["idempotency-key"]);
      res.result(post_status);
      res.body() = "{}";
    } else if (req.method() == http::verb::get && req.target() == "/stats") {
      res.result(http::status::ok);
      res.body() = stats.json();
    } else {
      res.result(http::status::not_found);
      res.body() = "{}";
    }
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [wec, written] = co_await http::async_write(socket, res, use_nothrow);
    if (wec || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, counters& stats, unsigned post_status) {
  net::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_nothrow);
    if (ec == net::error::operation_aborted) co_return;
    if (ec) {  // e.g. EMFILE: wait and keep accepting
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    net::co_spawn(acceptor.get_executor(), session(std::move(socket), stats, post_status),
                  net::detached);
  }
}

int run(int argc, char** argv) {
  cli args(argc, argv, {"help"});
  if (args.flag("help")) {
    std::fputs(usage, stdout);
    return 0;
  }
  const std::string host = args.text("host", "127.0.0.1");
  const std::uint64_t port = args.count("port", 0);
  const auto threads = static_cast<unsigned>(std::max<std::uint64_t>(1, args.count("threads", 1)));
  const auto post_status = static_cast<unsigned>(args.count("status", 200));
  args.reject_unknown();
  if (port > 65535) throw std::runtime_error("--port must be 0..65535");
  if (post_status < 100 || post_status > 599) throw std::runtime_error("--status: 100..599");

  net::io_context ioc(static_cast<int>(threads));
  tcp::acceptor acceptor(ioc);
  const tcp::endpoint ep(net::ip::make_address(host), static_cast<std::uint16_t>(port));
  acceptor.open(ep.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(net::socket_base::max_listen_connections);
  std::printf("rai-bench-endpoint: listening on %s:%u\n", host.c_str(),
              static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);

  counters stats;
  net::co_spawn(ioc, accept_loop(acceptor, stats, post_status), net::detached);
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { ioc.stop(); });

  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  std::printf("rai-bench-endpoint: %s\n", stats.json().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return rai::bench::run_main("rai-bench-endpoint", argc, argv, run);
}
