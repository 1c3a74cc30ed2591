// The spool's forwarder against a scripted target (no broker): retries,
// returns, the window, readiness, headers, and resuming after a stop.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "spool/spool.hpp"
#include "tests/amqp/broker.hpp"
#include "tests/spool/test_support.hpp"

namespace rai::spool {

using namespace rai::amqp;  // message, publisher, names: what the spool forwards through
namespace {

using namespace std::chrono_literals;
using test::append_one;
using test::sample_message;
using test::segment_files;
using test::temp_dir;
using test::wait_until;

// Records every publish; answers it with decide(), or holds it when holding.
class scripted_target {
 public:
  std::function<publish_status(const message&, int attempt)> decide = [](const message&, int) {
    return publish_status::confirmed;
  };
  std::atomic<bool> holding{false};
  std::atomic<bool> ready{true};

  spool_target target() {
    return {[this](message&& m, message_publisher::completion done) {
              std::unique_lock lock(mu_);
              const int attempt = ++attempts_[m.message_id];
              publishes_.push_back(m);
              if (holding.load()) {
                held_.push_back(std::move(done));
                max_held_ = std::max(max_held_, held_.size());
                return;
              }
              const publish_status s = decide(m, attempt);
              if (s == publish_status::confirmed) confirmed_.push_back(m.message_id);
              lock.unlock();
              done(s);
            },
            [this] { return ready.load(); }};
  }
  // Confirms everything held so far; returns how many.
  std::size_t release() {
    std::vector<message_publisher::completion> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
    }
    for (auto& done : held) done(publish_status::confirmed);
    return held.size();
  }
  std::size_t publishes() const {
    std::lock_guard lock(mu_);
    return publishes_.size();
  }
  std::vector<message> all_publishes() const {
    std::lock_guard lock(mu_);
    return publishes_;
  }
  std::vector<std::string> confirmed() const {
    std::lock_guard lock(mu_);
    return confirmed_;
  }
  std::size_t held() const {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  std::size_t max_held() const {
    std::lock_guard lock(mu_);
    return max_held_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int> attempts_;
  std::vector<message> publishes_;
  std::vector<std::string> confirmed_;
  std::vector<message_publisher::completion> held_;
  std::size_t max_held_ = 0;
};

spool_settings fast_settings(const temp_dir& dir) {
  spool_settings s;
  s.dir = dir.spool_dir();
  s.segment_bytes = 2048;
  s.retry_min = 10ms;
  s.retry_max = 40ms;
  s.stop_grace = 200ms;
  return s;
}

std::vector<std::string> expected_ids(std::size_t n) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < n; ++i) ids.push_back("evt-" + std::to_string(i));
  return ids;
}

void fill(spool& s, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(append_one(s, sample_message(i)), spool_status::durable);
  }
}

TEST(SpoolForwarderTest, ForwardsInOrderWithTheSpooledHeaderAndDeletesSegments) {
  temp_dir dir;
  scripted_target t;
  const spool_settings settings = fast_settings(dir);
  spool s(settings);
  s.open();
  fill(s, 50);
  ASSERT_GT(segment_files(settings.dir).size(), 3u);
  s.start_forwarding(t.target());
  ASSERT_TRUE(wait_until([&] { return s.stats().forwarded == 50; }, 10s));
  EXPECT_EQ(t.confirmed(), expected_ids(50));
  const auto published = t.all_publishes();
  const message original = sample_message(7);
  const message& m = published[7];
  EXPECT_EQ(m.exchange, original.exchange);
  EXPECT_EQ(m.routing_key, original.routing_key);
  EXPECT_EQ(m.message_id, original.message_id);
  EXPECT_EQ(m.type, original.type);
  EXPECT_EQ(m.timestamp, original.timestamp);
  EXPECT_EQ(m.body, original.body);
  auto headers = original.headers;
  headers.emplace_back("x-spooled", "true");
  EXPECT_EQ(m.headers, headers);
  // Even the segment that was being written goes, once idle and forwarded.
  ASSERT_TRUE(wait_until([&] { return s.stats().segments == 0; }, 10s));
  EXPECT_TRUE(segment_files(settings.dir).empty());
  EXPECT_EQ(s.stats().bytes_on_disk, 0u);
  EXPECT_EQ(s.stats().records_pending, 0u);

  // Spooling again starts a new segment, forwarded in turn.
  message again = sample_message(50);
  again.headers.emplace_back("x-spooled", "already");
  ASSERT_EQ(append_one(s, again), spool_status::durable);
  ASSERT_TRUE(wait_until([&] { return s.stats().forwarded == 51; }, 10s));
  EXPECT_EQ(t.all_publishes().back().headers, again.headers);  // not added twice
  ASSERT_TRUE(wait_until([&] { return segment_files(settings.dir).empty(); }, 10s));
}

TEST(SpoolForwarderTest, NoSpooledHeaderWhenDisabled) {
  temp_dir dir;
  scripted_target t;
  spool_settings settings = fast_settings(dir);
  settings.mark_forwarded = false;
  spool s(settings);
  s.open();
  fill(s, 1);
  s.start_forwarding(t.target());
  ASSERT_TRUE(wait_until([&] { return s.stats().forwarded == 1; }, 10s));
  EXPECT_EQ(t.all_publishes()[0].headers, sample_message(0).headers);
}

TEST(SpoolForwarderTest, FailuresAreRetriedUntilConfirmed) {
  temp_dir dir;
  scripted_target t;
  spool s(fast_settings(dir));
  s.open();
  fill(s, 30);
  static constexpr publish_status failures[] = {
      publish_status::nacked, publish_status::unavailable, publish_status::timed_out,
      publish_status::connection_lost, publish_status::overloaded};
  t.decide = [](const message& m, int attempt) {
    const int n = std::stoi(m.message_id.substr(4));
    // Every third record fails its first two attempts, each time differently.
    if (n % 3 == 0 && attempt <= 2) return failures[(n + attempt) % 5];
    return publish_status::confirmed;
  };
  s.start_forwarding(t.target());
  ASSERT_TRUE(wait_until([&] { return s.stats().forwarded == 30; }, 20s));
  const auto confirmed = t.confirmed();
  ASSERT_EQ(confirmed.size(), 30u);
  std::vector<std::string> sorted = confirmed;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> want = expected_ids(30);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(sorted, want);  // each confirmed exactly once
  EXPECT_EQ(t.publishes(), 30u + 2 * 10u);
  ASSERT_TRUE(wait_until([&] { return s.stats().segments == 0; }, 10s));
}

TEST(SpoolForwarderTest, AllFailingThenRecoveringKeepsFileOrder) {
  temp_dir dir;
  scripted_target t;
  std::atomic<bool> broker_down{true};
  spool s(fast_settings(dir));
  s.open();
  fill(s, 40);
  t.decide = [&](const message&, int) {
    return broker_down.load() ? publish_status::connection_lost : publish_status::confirmed;
  };
  s.start_forwarding(t.target());
  ASSERT_TRUE(wait_until([&] { return t.publishes() > 100; }, 10s));
  EXPECT_EQ(s.stats().forwarded, 0u);
  EXPECT_EQ(s.stats().records_pending, 40u);
  broker_down = false;
  ASSERT_TRUE(wait_until([&] { return s.stats().forwarded == 40; }, 10s));
  // Each record is confirmed once, in file order, except that records of the
  // round during which the broker came back may be confirmed before the
  // retries of that round's failures (spool.hpp): at most two ascending runs.
  const auto confirmed = t.confirmed();
  std::vector<std::string> sorted = confirmed;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> want = expected_ids(40);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(sorted, want);
  int descents = 0;
  for (std::size_t i = 1; i < confirmed.size(); ++i)
    if (std::stoi(confirmed[i].substr(4)) < std::stoi(confirmed[i - 1].substr(4))) ++descents;
  EXPECT_LE(descents, 1) << testing::PrintToString(confirmed);
}

TEST(SpoolForwarderTest, ReturnedRecordsAreDroppedNotRetried) {
  temp_dir dir;
  scripted_target t;
  spool s(fast_settings(dir));
  s.open();
  fill(s, 10);
  t.decide = [](const message& m, int) {
    return m.message_id == "evt-4" ? publish_status::returned : publish_status::confirmed;
  };
  s.start_forwarding(t.target());
  ASSERT_TRUE(wait_until([&] { return s.stats().segments == 0; }, 10s));
  const spool_stats st = s.stats();
  EXPECT_EQ(st.forwarded, 9u);
  EXPECT_EQ(st.returned, 1u);
  EXPECT_EQ(st.records_pending, 0u);
  EXPECT_EQ(t.publishes(), 10u);
}

TEST(SpoolForwarderTest, WindowBoundsUnconfirmedPublishes) {
  temp_dir dir;
  scripted_target t;
  spool_settings settings = fast_settings(dir);
  settings.forward_window = 8;
  spool s(settings);
  s.open();
  fill(s, 40);
  t.holding = true;
  s.start_forwarding(t.target());
  ASSERT_TRUE(wait_until([&] { return t.held() == 8; }, 10s));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(t.publishes(), 8u);  // no more until some are confirmed
  std::size_t released = 0;
  while (released < 40) {
    ASSERT_TRUE(wait_until([&] { return t.held() > 0; }, 10s)) << released;
    released += t.release();
  }
  ASSERT_TRUE(wait_until([&] { return s.stats().forwarded == 40; }, 10s));
  EXPECT_EQ(t.publishes(), 40u);
  EXPECT_LE(t.max_held(), 8u);
}

TEST(SpoolForwarderTest, WaitsWhileTheTargetIsNotReady) {
  temp_dir dir;
  scripted_target t;
  spool s(fast_settings(dir));
  s.open();
  fill(s, 5);
  t.ready = false;
  s.start_forwarding(t.target());
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(t.publishes(), 0u);
  EXPECT_TRUE(s.stats().forwarding);
  t.ready = true;
  ASSERT_TRUE(wait_until([&] { return s.stats().forwarded == 5; }, 10s));
}

TEST(SpoolForwarderTest, StopLeavesUnconfirmedRecordsAndARestartResumes) {
  temp_dir dir;
  scripted_target first;
  scripted_target second;
  spool s(fast_settings(dir));
  s.open();
  fill(s, 20);
  first.holding = true;
  s.start_forwarding(first.target());
  ASSERT_TRUE(wait_until([&] { return first.held() > 0; }, 10s));
  s.stop_forwarding();  // the grace runs out: nothing confirmed
  EXPECT_FALSE(s.stats().forwarding);
  EXPECT_EQ(s.stats().forwarded, 0u);
  EXPECT_GT(s.stats().segments, 0u);

  s.start_forwarding(second.target());
  ASSERT_TRUE(wait_until([&] { return s.stats().forwarded == 20; }, 10s));
  EXPECT_EQ(second.confirmed(), expected_ids(20));
  // A confirm of the first run arriving late is ignored.
  first.release();
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(s.stats().forwarded, 20u);
  ASSERT_TRUE(wait_until([&] { return s.stats().segments == 0; }, 10s));
}

TEST(SpoolForwarderTest, AppendsWhileForwardingAreAllForwarded) {
  temp_dir dir;
  scripted_target t;
  spool s(fast_settings(dir));
  s.open();
  s.start_forwarding(t.target());
  test::append_results results;
  for (std::size_t i = 0; i < 300; ++i) s.append(sample_message(i), results.make());
  ASSERT_TRUE(results.wait_all(10s));
  ASSERT_TRUE(wait_until([&] { return s.stats().forwarded == 300; }, 10s));
  EXPECT_EQ(t.confirmed(), expected_ids(300));
  ASSERT_TRUE(wait_until([&] { return s.stats().segments == 0; }, 10s));
}

}  // namespace
}  // namespace rai::spool
