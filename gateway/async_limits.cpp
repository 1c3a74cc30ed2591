#include "gateway/async_limits.hpp"

namespace rai::gateway {

async_semaphore::async_semaphore(net::any_io_executor executor, std::size_t permits)
    : tokens_(executor, permits) {
  for (std::size_t i = 0; i < permits; ++i) tokens_.try_send(boost::system::error_code{});
}

net::awaitable<void> async_semaphore::acquire() {
  co_await tokens_.async_receive(use_nothrow);
}

void async_semaphore::release() {
  tokens_.try_send(boost::system::error_code{});
}

rate_limiter::rate_limiter(double per_second) {
  if (per_second > 0)
    interval_ = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / per_second));
}

net::awaitable<void> rate_limiter::wait() {
  if (interval_ == std::chrono::steady_clock::duration::zero()) co_return;
  std::chrono::steady_clock::time_point slot;
  {
    std::lock_guard lock(mutex_);
    slot = std::max(std::chrono::steady_clock::now(), next_);
    next_ = slot + interval_;
  }
  if (slot <= std::chrono::steady_clock::now()) co_return;
  net::steady_timer timer(co_await net::this_coro::executor, slot);
  co_await timer.async_wait(use_nothrow);
}

}  // namespace rai::gateway
