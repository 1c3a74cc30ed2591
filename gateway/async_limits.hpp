#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>

#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/net.hpp"

namespace rai::gateway {

// A counting semaphore for coroutines on any thread: N permits live as
// messages in a thread-safe channel, acquire() receives one, release() puts
// it back. Waiters are served in order.
class async_semaphore {
 public:
  async_semaphore(net::any_io_executor executor, std::size_t permits);

  net::awaitable<void> acquire();
  void release();

  // Releases on scope exit.
  class permit {
   public:
    explicit permit(async_semaphore& s) : s_(&s) {}
    permit(permit&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    permit(const permit&) = delete;
    ~permit() {
      if (s_) s_->release();
    }

   private:
    async_semaphore* s_;
  };

 private:
  net::experimental::concurrent_channel<void(boost::system::error_code)> tokens_;
};

// Spaces requests evenly at `per_second` (0 = unlimited): each caller reserves
// the next free slot under a lock, then sleeps until it.
class rate_limiter {
 public:
  explicit rate_limiter(double per_second);
  net::awaitable<void> wait();

 private:
  std::mutex mutex_;
  std::chrono::steady_clock::duration interval_{};
  std::chrono::steady_clock::time_point next_{};
};

}  // namespace rai::gateway
