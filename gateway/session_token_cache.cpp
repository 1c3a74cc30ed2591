#include "gateway/session_token_cache.hpp"

namespace rai::gateway {

session_token_cache::session_token_cache(std::chrono::seconds default_ttl,
                                         std::chrono::seconds renew_before)
    : default_ttl_(default_ttl), renew_before_(renew_before) {}

std::uint64_t session_token_cache::handshakes() const {
  std::lock_guard lock(mutex_);
  return handshakes_;
}

net::awaitable<handshake_result> session_token_cache::get(const handshake_fn& handshake,
                                                          const std::string& rejected) {
  std::shared_ptr<signal> wait_for;
  std::shared_ptr<signal> mine;
  {
    std::lock_guard lock(mutex_);
    if (!rejected.empty() && rejected == token_) token_.clear();
    if (!token_.empty() && std::chrono::steady_clock::now() < renew_at_)
      co_return handshake_result{.token = token_, .ttl = {}, .status = 0, .error = {}};
    if (in_flight_) {
      wait_for = in_flight_;
    } else {
      in_flight_ = mine = std::make_shared<signal>(co_await net::this_coro::executor, 0);
      ++handshakes_;
    }
  }

  if (wait_for) {
    // Nothing is ever sent on the signal: the handshake's end closes it.
    co_await wait_for->async_receive(use_nothrow);
    std::lock_guard lock(mutex_);
    co_return last_;
  }

  handshake_result result = co_await handshake();
  {
    std::lock_guard lock(mutex_);
    if (!result.token.empty()) {
      const auto ttl = result.ttl.count() > 0 ? result.ttl : default_ttl_;
      token_ = result.token;
      // Renew early, but never treat a token as already stale on arrival
      // (half of a 1 s TTL is 500 ms, not the 0 s that seconds / 2 gives).
      const std::chrono::milliseconds lifetime =
          ttl > renew_before_ ? std::chrono::milliseconds(ttl - renew_before_)
                              : std::chrono::milliseconds(ttl) / 2;
      renew_at_ = std::chrono::steady_clock::now() + lifetime;
    }
    last_ = result;
    in_flight_.reset();
  }
  mine->close();
  co_return result;
}

void session_token_cache::clear() {
  std::lock_guard lock(mutex_);
  token_.clear();
  renew_at_ = {};
}

}  // namespace rai::gateway
