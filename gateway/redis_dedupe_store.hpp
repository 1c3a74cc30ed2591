#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/metrics.hpp"
#include "http/net.hpp"
#include "redis/url.hpp"

namespace rai::redis {
class connection;
}

namespace rai::gateway {

struct redis_dedupe_settings {
  redis::endpoint where;
  std::string prefix = "rai-gateway:dedupe:";
  std::chrono::milliseconds timeout{50};    // each command
  std::chrono::milliseconds claim{30'000};  // an in-flight claim's life if its replica dies
  std::chrono::seconds window{86'400};      // a committed id's life
};

// rai_gateway_dedupe_store_up / _errors_total.
struct dedupe_store_metrics {
  metrics::gauge up;        // 1 while the store answers
  metrics::counter errors;  // commands and connection attempts that failed
};

// The dedupe window every replica shares, in Redis (wire-format.md §6a). The
// same claim / commit / release life as handlers::dedupe_window:
//   claim    SET <prefix><hash> <token> NX GET PX <claim>: one round trip;
//            nil = fresh (ours now), "committed" = duplicate, another
//            replica's token = in flight there.
//   commit   SET <prefix><hash> committed PX <window>, pipelined: not awaited.
//   release  compare-and-delete (a one-line Lua script): only our own claim.
// Keys hold no raw ids: <hash> is 96 bits of HMAC-SHA256(salt, source NUL id)
// in hex, and the salt is the same on every replica: it lives in Redis
// (<prefix>salt, SET NX of a random value, then GET, on every connect).
//
// One pipelined connection (redis::connection), made and remade in the
// background with the jittered reconnect backoff. While there is none, or
// when a command fails (timeout, error reply, connection lost), begin() says
// `unavailable` at once, without waiting for a timeout per request: the
// caller falls back to its local window. The outage is logged once, and once
// again when the store is back. Thread-safe: begin/commit/release may run on
// any thread at once.
class redis_dedupe_store {
 public:
  enum class verdict { fresh, duplicate, in_flight, unavailable };
  struct claim {
    verdict outcome = verdict::unavailable;
    std::string key;    // the Redis key, when fresh
    std::string token;  // our claim's value, when fresh
  };

  redis_dedupe_store(net::any_io_executor ex, redis_dedupe_settings settings,
                     dedupe_store_metrics& metrics);
  ~redis_dedupe_store();
  redis_dedupe_store(const redis_dedupe_store&) = delete;
  redis_dedupe_store& operator=(const redis_dedupe_store&) = delete;

  void start();  // connects in the background, and reconnects until stop()
  void stop();   // closes the connection; the background loop ends

  net::awaitable<claim> begin(std::string_view source, std::string_view id);
  void commit(const claim& c);   // a fresh claim whose event is durable
  void release(const claim& c);  // a fresh claim whose event was not accepted

  bool up() const noexcept { return state_.load() == state::up; }

 private:
  enum class state { unknown, up, down };
  struct live;  // the connection and the shared salt it was set up with

  net::awaitable<void> keep_connected();
  void note_failure(std::string_view reason);
  void note_success();
  void mark_down(std::string_view reason);

  const redis_dedupe_settings settings_;
  const std::string where_;  // redis::redacted(): no password
  dedupe_store_metrics& metrics_;
  net::strand<net::any_io_executor> strand_;
  net::steady_timer retry_timer_;               // on strand_
  std::shared_ptr<redis::connection> current_;  // on strand_
  bool stopping_ = false;                       // on strand_
  std::atomic<std::shared_ptr<const live>> live_;
  std::atomic<state> state_{state::unknown};
  const std::string token_prefix_;  // random per process: a claim token names its replica
  std::atomic<std::uint64_t> next_token_{0};
};

}  // namespace rai::gateway
