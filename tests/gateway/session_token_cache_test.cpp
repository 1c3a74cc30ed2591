#include "gateway/session_token_cache.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace rai::gateway {
namespace {

using namespace std::chrono_literals;

// A handshake that takes `delay` and hands out tok-1, tok-2, ... (or fails
// with a 503 while `fail` is set).
struct fake_handshake {
  std::chrono::milliseconds delay{0};
  std::chrono::seconds ttl{0};
  std::atomic<bool> fail{false};
  std::atomic<int> calls{0};

  session_token_cache::handshake_fn fn() {
    return [this]() -> net::awaitable<handshake_result> {
      const int n = ++calls;
      if (delay.count() > 0) {
        net::steady_timer timer(co_await net::this_coro::executor, delay);
        co_await timer.async_wait(use_nothrow);
      }
      if (fail) co_return handshake_result{.token = {}, .ttl = {}, .status = 503, .error = "503"};
      co_return handshake_result{
          .token = "tok-" + std::to_string(n), .ttl = ttl, .status = 200, .error = {}};
    };
  }
};

// Runs `callers` concurrent get()s on two threads and returns what each got.
std::vector<handshake_result> get_concurrently(session_token_cache& cache,
                                               const session_token_cache::handshake_fn& fn,
                                               int callers, const std::string& rejected = {}) {
  net::io_context ctx;
  std::vector<handshake_result> got(static_cast<std::size_t>(callers));
  for (auto& slot : got) {
    net::co_spawn(
        net::make_strand(ctx),
        [&cache, &fn, &slot, &rejected]() -> net::awaitable<void> {
          slot = co_await cache.get(fn, rejected);
        },
        net::detached);
  }
  std::thread second([&ctx] { ctx.run(); });
  ctx.run();
  second.join();
  return got;
}

handshake_result get_one(session_token_cache& cache, const session_token_cache::handshake_fn& fn,
                         const std::string& rejected = {}) {
  return get_concurrently(cache, fn, 1, rejected).front();
}

TEST(SessionTokenCache, ConcurrentCallersShareOneHandshake) {
  fake_handshake hs{.delay = 50ms};
  session_token_cache cache(300s, 30s);
  const auto fn = hs.fn();
  for (const auto& r : get_concurrently(cache, fn, 16)) EXPECT_EQ(r.token, "tok-1");
  EXPECT_EQ(hs.calls, 1);
  EXPECT_EQ(cache.handshakes(), 1u);

  EXPECT_EQ(get_one(cache, fn).token, "tok-1");
  EXPECT_EQ(hs.calls, 1) << "a fresh token must be served from the cache";
}

TEST(SessionTokenCache, AFailedHandshakeIsSharedAndTheNextCallTriesAgain) {
  fake_handshake hs{.delay = 50ms};
  hs.fail = true;
  session_token_cache cache(300s, 30s);
  const auto fn = hs.fn();
  for (const auto& r : get_concurrently(cache, fn, 8)) {
    EXPECT_TRUE(r.token.empty());
    EXPECT_EQ(r.status, 503u);
  }
  EXPECT_EQ(hs.calls, 1) << "waiters must not each retry a failed handshake";

  hs.fail = false;
  EXPECT_EQ(get_one(cache, fn).token, "tok-2");
  EXPECT_EQ(hs.calls, 2);
}

TEST(SessionTokenCache, ARejectedTokenIsDroppedOnlyIfItIsStillTheCachedOne) {
  fake_handshake hs;
  session_token_cache cache(300s, 30s);
  const auto fn = hs.fn();
  EXPECT_EQ(get_one(cache, fn).token, "tok-1");
  EXPECT_EQ(get_one(cache, fn, "tok-1").token, "tok-2");
  // A late 401 for the token that was already replaced must not renew again.
  EXPECT_EQ(get_one(cache, fn, "tok-1").token, "tok-2");
  EXPECT_EQ(hs.calls, 2);
}

TEST(SessionTokenCache, ClearForcesAHandshake) {
  fake_handshake hs;
  session_token_cache cache(300s, 30s);
  const auto fn = hs.fn();
  EXPECT_EQ(get_one(cache, fn).token, "tok-1");
  cache.clear();
  EXPECT_EQ(get_one(cache, fn).token, "tok-2");
}

// With renew_before (30 s) longer than the TTL (1 s), the token is renewed at
// half its life: 500 ms, not the 0 s that whole seconds / 2 would give.
TEST(SessionTokenCache, AShortTtlIsRenewedAtHalfItsLifeNotOnArrival) {
  fake_handshake hs{.ttl = 1s};
  session_token_cache cache(300s, 30s);
  const auto fn = hs.fn();
  EXPECT_EQ(get_one(cache, fn).token, "tok-1");
  EXPECT_EQ(get_one(cache, fn).token, "tok-1") << "stale on arrival";
  std::this_thread::sleep_for(600ms);
  EXPECT_EQ(get_one(cache, fn).token, "tok-2");
}

TEST(SessionTokenCache, TheServersTtlWinsOverTheDefault) {
  fake_handshake hs{.ttl = 31s};  // renewed 30 s early: after 1 s
  session_token_cache cache(300s, 30s);
  const auto fn = hs.fn();
  EXPECT_EQ(get_one(cache, fn).token, "tok-1");
  EXPECT_EQ(get_one(cache, fn).token, "tok-1");
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(get_one(cache, fn).token, "tok-2");
}

}  // namespace
}  // namespace rai::gateway
