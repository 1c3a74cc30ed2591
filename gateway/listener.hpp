#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "config/config.hpp"
#include "gateway/connection_set.hpp"
#include "gateway/http_session.hpp"
#include "http/net.hpp"

namespace rai::gateway {

// Picks the executor a new connection runs on.
using executor_source = std::function<net::any_io_executor()>;

// Accepts connections and runs one session coroutine per connection, each on
// the executor `sessions` picks (a worker of an io_context_pool), or without
// one on its own strand of `ioc`. At max_connections, a new connection makes
// room by closing the connection that has been idle (waiting for a request:
// its first byte, or the next one on keep-alive) the longest; only when none
// is idle is the new one closed at once. So connections that send nothing
// cannot keep senders out, whatever their addresses; the count may exceed the
// cap for the moment the closed ones take to end. An accept error (e.g.
// EMFILE) backs off briefly and keeps accepting.
class listener {
 public:
  // Binds and listens; throws boost::system::system_error if the address is
  // unusable. With a TLS context every connection speaks TLS.
  listener(net::io_context& ioc, const endpoint& where, std::size_t max_connections,
           session_limits limits, request_handler handler,
           std::shared_ptr<net::ssl::context> tls = nullptr, executor_source sessions = {});

  void start();
  // Graceful stop: no new connections; idle ones close now, busy ones after
  // their current response.
  void stop();
  // After stop(): true once every connection has closed, false at `deadline`.
  // Woken by the last session's end; blocks, so never on the listener's threads.
  bool wait_closed(std::chrono::steady_clock::time_point deadline) {
    return connections_->wait_closed(deadline);
  }

  // New connections use this context from now on (certificate reload).
  void set_tls(std::shared_ptr<net::ssl::context> tls) { tls_.store(std::move(tls)); }
  bool tls() const { return tls_.load() != nullptr; }

  std::uint16_t port() const;
  std::size_t active_connections() const noexcept { return connections_->open_count(); }

 private:
  net::awaitable<void> accept_loop();

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  std::size_t max_connections_;
  session_limits limits_;
  request_handler handler_;
  executor_source sessions_;
  std::atomic<std::shared_ptr<net::ssl::context>> tls_;
  // Shared with the sessions, which may outlive the listener during teardown.
  std::shared_ptr<connection_set> connections_ = std::make_shared<connection_set>();
};

}  // namespace rai::gateway
