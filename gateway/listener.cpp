#include "gateway/listener.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>

namespace rai::gateway {

listener::listener(net::io_context& ioc, const endpoint& where, std::size_t max_connections,
                   session_limits limits, request_handler handler,
                   std::shared_ptr<net::ssl::context> tls, executor_source sessions)
    : ioc_(ioc),
      acceptor_(ioc),
      max_connections_(max_connections),
      limits_(limits),
      handler_(std::move(handler)),
      sessions_(std::move(sessions)),
      tls_(std::move(tls)) {
  if (!sessions_) sessions_ = [&ioc] { return net::make_strand(ioc); };
  const tcp::endpoint ep(net::ip::make_address(where.host), where.port);
  acceptor_.open(ep.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(ep);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

std::uint16_t listener::port() const {
  return acceptor_.local_endpoint().port();
}

void listener::start() {
  net::co_spawn(acceptor_.get_executor(), accept_loop(), net::detached);
}

void listener::stop() {
  net::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
  connections_->drain();
}

net::awaitable<void> listener::accept_loop() {
  net::steady_timer backoff(ioc_);
  while (acceptor_.is_open()) {
    auto [ec, socket] = co_await acceptor_.async_accept(sessions_(), use_nothrow);
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) co_return;
      // Out of descriptors or a transient network error: keep the listener alive.
      spdlog::warn("accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(use_nothrow);
      continue;
    }
    // At the cap, the connection idle the longest makes room (it closes
    // shortly, on its own executor); with none idle, the new one is refused,
    // as it is once the listener drains.
    std::optional<work_gate::ticket> open;
    if (connections_->open_count() < max_connections_ || connections_->close_oldest_idle())
      open = connections_->admit();
    if (!open) {
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    auto state = connections_->add(executor);  // idle from now on, in accept order
    net::co_spawn(executor,
                  run_http_session(std::move(socket), tls_.load(), limits_, handler_, connections_,
                                   std::move(state), std::move(*open)),
                  net::detached);
  }
}

}  // namespace rai::gateway
