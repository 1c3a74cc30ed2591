// The dedupe window replicas share, against a real redis-server
// (scripts/start-redis, 127.0.0.1:6390): two redis_dedupe_store objects with
// one prefix are two replicas.
#include "gateway/shared_dedupe.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdlib>
#include <random>
#include <thread>

#include "redis/connection.hpp"

namespace rai::gateway {
namespace {

using verdict = redis_dedupe_store::verdict;
using namespace std::chrono_literals;

class SharedDedupe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string cmd = std::string(RAI_SOURCE_DIR) + "/scripts/start-redis >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "scripts/start-redis failed";
  }

  SharedDedupe() {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~SharedDedupe() override {
    for (auto& s : stores_) s->stop();
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  // One replica's store on the test's prefix; started and, unless `url`
  // points nowhere, connected.
  redis_dedupe_store& replica(std::string url = "redis://127.0.0.1:6390") {
    redis_dedupe_settings s{.where = *redis::parse_url(url),
                            .prefix = prefix_,
                            .timeout = 500ms,
                            .claim = 10'000ms,
                            .window = 60s};
    metrics_.push_back(std::make_unique<dedupe_store_metrics>());
    stores_.push_back(
        std::make_unique<redis_dedupe_store>(ioc_.get_executor(), s, *metrics_.back()));
    stores_.back()->start();
    return *stores_.back();
  }

  static bool wait_up(const redis_dedupe_store& s) {
    for (int i = 0; i < 200 && !s.up(); ++i) std::this_thread::sleep_for(10ms);
    return s.up();
  }

  template <class T>
  T run(net::awaitable<T> a) {
    return net::co_spawn(ioc_, std::move(a), net::use_future).get();
  }

  redis_dedupe_store::claim begin(redis_dedupe_store& s, std::string id) {
    return run(
        [](redis_dedupe_store& s, std::string id) -> net::awaitable<redis_dedupe_store::claim> {
          co_return co_await s.begin("src", id);
        }(s, std::move(id)));
  }

  // A raw connection for looking at what the stores wrote.
  redis::connection::result_type raw(std::vector<std::string> args) {
    auto c = run(redis::connection::connect(
        ioc_.get_executor(),
        {.where = *redis::parse_url("redis://127.0.0.1:6390"), .command_timeout = 500ms}));
    EXPECT_TRUE(c);
    std::vector<std::string_view> v(args.begin(), args.end());
    auto r = run((*c)->command(v));
    (*c)->close();
    return r;
  }

  const std::string prefix_ = "rai-test:" + std::to_string(std::random_device{}()) + ":";
  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(ioc_);
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<dedupe_store_metrics>> metrics_;
  std::vector<std::unique_ptr<redis_dedupe_store>> stores_;
};

TEST_F(SharedDedupe, ClaimInFlightElsewhereThenDuplicateEverywhere) {
  auto& a = replica();
  auto& b = replica();
  ASSERT_TRUE(wait_up(a) && wait_up(b));
  EXPECT_EQ(metrics_[0]->up.value(), 1);

  const auto claim = begin(a, "evt-1");
  ASSERT_EQ(claim.outcome, verdict::fresh);
  EXPECT_EQ(begin(b, "evt-1").outcome, verdict::in_flight);
  EXPECT_EQ(begin(a, "evt-1").outcome, verdict::in_flight);  // a second request at A too

  a.commit(claim);
  // A's connection is FIFO: once a later command of A is answered, the
  // pipelined commit has run.
  EXPECT_EQ(begin(a, "evt-other").outcome, verdict::fresh);
  EXPECT_EQ(begin(b, "evt-1").outcome, verdict::duplicate);
  EXPECT_EQ(begin(a, "evt-1").outcome, verdict::duplicate);
  EXPECT_EQ(metrics_[0]->errors.value(), 0u);
  EXPECT_EQ(metrics_[1]->errors.value(), 0u);

  // Committed for the window, not for the claim's life.
  auto ttl = raw({"PTTL", claim.key});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 50'000);
}

TEST_F(SharedDedupe, ReleaseFreesOnlyOurOwnClaim) {
  auto& a = replica();
  auto& b = replica();
  ASSERT_TRUE(wait_up(a) && wait_up(b));
  const auto first = begin(a, "evt-2");
  ASSERT_EQ(first.outcome, verdict::fresh);
  a.release(first);
  begin(a, "evt-sync");  // the release has run
  const auto second = begin(b, "evt-2");
  ASSERT_EQ(second.outcome, verdict::fresh);  // the sender's retry is published

  a.release(first);  // A's stale release must not free B's claim
  begin(a, "evt-sync-2");
  EXPECT_EQ(begin(a, "evt-2").outcome, verdict::in_flight);
  EXPECT_EQ(metrics_[0]->errors.value(), 0u);
}

TEST_F(SharedDedupe, KeysAreSaltedHashesAndTheSaltIsShared) {
  auto& a = replica();
  auto& b = replica();
  ASSERT_TRUE(wait_up(a) && wait_up(b));
  const auto ca = begin(a, "user-42-joined");
  ASSERT_EQ(ca.outcome, verdict::fresh);
  EXPECT_EQ(ca.key.size(), prefix_.size() + 24);  // 96 bits in hex
  EXPECT_EQ(ca.key.find("user-42"), std::string::npos);
  EXPECT_EQ(ca.key.find("src"), std::string::npos);
  auto salt = raw({"GET", prefix_ + "salt"});
  ASSERT_TRUE(salt);
  EXPECT_EQ(salt->str.size(), 32u);
  auto ttl = raw({"PTTL", prefix_ + "salt"});
  EXPECT_EQ(ttl->integer, -1);  // never expires
  // The same id under another source is another key.
  const auto other = run([](redis_dedupe_store& s) -> net::awaitable<redis_dedupe_store::claim> {
    co_return co_await s.begin("src2", "user-42-joined");
  }(b));
  EXPECT_EQ(other.outcome, verdict::fresh);
  EXPECT_NE(other.key, ca.key);
}

TEST_F(SharedDedupe, UnreachableRedisIsUnavailableAtOnce) {
  net::ip::tcp::acceptor closed(ioc_, {net::ip::make_address("127.0.0.1"), 0});
  const auto port = closed.local_endpoint().port();
  closed.close();
  auto& s = replica("redis://127.0.0.1:" + std::to_string(port));
  for (int i = 0; i < 200 && metrics_[0]->errors.value() == 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_GT(metrics_[0]->errors.value(), 0u);
  EXPECT_FALSE(s.up());
  EXPECT_EQ(metrics_[0]->up.value(), 0);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(begin(s, "evt-" + std::to_string(i)).outcome, verdict::unavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 400ms);  // no timeout paid per request
}

// The window webhook_service asks: local first, Redis behind it.
TEST_F(SharedDedupe, LocalWindowInFrontOfTheSharedOne) {
  auto& a = replica();
  auto& b = replica();
  ASSERT_TRUE(wait_up(a) && wait_up(b));
  shared_dedupe at_a(60s, 1000, &a);
  shared_dedupe at_b(60s, 1000, &b);
  using claim = shared_dedupe::claim;
  const auto now = shared_dedupe::clock::now();
  auto begin_both = [&](shared_dedupe& d, shared_dedupe::ticket& t, std::string id) {
    auto c = d.begin_local(t, "src", id, now);
    if (c != claim::fresh) return c;
    return run(d.begin_shared(t, "src", id, now));
  };

  shared_dedupe::ticket ta;
  ASSERT_EQ(begin_both(at_a, ta, "evt-3"), claim::fresh);
  shared_dedupe::ticket tb;
  EXPECT_EQ(begin_both(at_b, tb, "evt-3"), claim::in_flight);
  EXPECT_EQ(at_b.local().size(), 0u);  // B's local claim was dropped again
  at_a.commit(ta, now);
  shared_dedupe::ticket sync;
  begin_both(at_a, sync, "evt-sync");
  shared_dedupe::ticket tb2;
  EXPECT_EQ(begin_both(at_b, tb2, "evt-3"), claim::duplicate);
  // Now remembered at B too: answered by the local window alone.
  shared_dedupe::ticket tb3;
  EXPECT_EQ(at_b.begin_local(tb3, "src", "evt-3", now), claim::duplicate);
}

}  // namespace
}  // namespace rai::gateway
