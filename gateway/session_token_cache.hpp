#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/experimental/concurrent_channel.hpp>

#include "http/net.hpp"

namespace rai::gateway {

// Outcome of one workflow handshake: a token, or why there is none.
struct handshake_result {
  std::string token;            // empty on failure
  std::chrono::seconds ttl{0};  // 0: use the cache's default
  unsigned status = 0;          // HTTP status of the handshake (0: transport error)
  std::string error;            // short reason for logs and x-last-error, never a secret
};

// Caches a workflow session token for its TTL, renewing it `renew_before`
// early. However many sends wait, at most one handshake is in flight: the
// others wait for it and share its result (a failed handshake is not retried
// by each waiter). Thread-safe.
class session_token_cache {
 public:
  using handshake_fn = std::function<net::awaitable<handshake_result>()>;

  session_token_cache(std::chrono::seconds default_ttl, std::chrono::seconds renew_before);

  // A usable token. `rejected` is a token the server just answered 401 to: if
  // it is still the cached one, it is dropped and a new handshake runs.
  net::awaitable<handshake_result> get(const handshake_fn& handshake,
                                       const std::string& rejected = {});

  std::uint64_t handshakes() const;

  // Forgets the cached token (credentials changed); the next get() handshakes.
  void clear();

 private:
  using signal = net::experimental::concurrent_channel<void(boost::system::error_code)>;

  const std::chrono::seconds default_ttl_;
  const std::chrono::seconds renew_before_;
  mutable std::mutex mutex_;
  std::string token_;
  std::chrono::steady_clock::time_point renew_at_{};
  std::shared_ptr<signal> in_flight_;  // closed when the running handshake ends
  handshake_result last_;              // what the last handshake produced
  std::uint64_t handshakes_ = 0;
};

}  // namespace rai::gateway
