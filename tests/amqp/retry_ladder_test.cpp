// The retry ladder as topology (amqp/retry_ladder.hpp): default rungs, rung
// and queue names, and which ladders can be declared. No broker.

#include "amqp/retry_ladder.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace rai::amqp {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

std::optional<std::string> check(std::vector<milliseconds> rungs) {
  return check_retry_rungs(rungs);
}

TEST(RetryLadder, DefaultRungsAreWireFormatSection7) {
  std::vector<std::string> names;
  for (const milliseconds rung : default_retry_rungs()) names.push_back(retry_rung_name(rung));
  EXPECT_EQ(names, (std::vector<std::string>{"1s", "2s", "5s", "10s", "30s", "1m", "2m", "5m",
                                             "10m", "30m", "1h", "2h", "4h", "8h"}));
  EXPECT_EQ(check_retry_rungs(default_retry_rungs()), std::nullopt);
}

TEST(RetryLadder, QueueNamesUseTheLargestWholeUnit) {
  EXPECT_EQ(retry_queue_name(1s), "returning.outbound.retry.1s");
  EXPECT_EQ(retry_queue_name(30s), "returning.outbound.retry.30s");
  EXPECT_EQ(retry_queue_name(60s), "returning.outbound.retry.1m");
  EXPECT_EQ(retry_queue_name(2h), "returning.outbound.retry.2h");
  EXPECT_EQ(retry_queue_name(500ms), "returning.outbound.retry.500ms");
  EXPECT_EQ(retry_rung_name(1s), "1s");
  EXPECT_EQ(retry_rung_name(1min), "1m");
  EXPECT_EQ(retry_rung_name(1ms), "1ms");
  EXPECT_EQ(retry_rung_name(1500ms), "1500ms");
  EXPECT_EQ(retry_rung_name(90s), "90s");
  EXPECT_EQ(retry_rung_name(90min), "90m");
  EXPECT_EQ(retry_rung_name(60min), "1h");
  EXPECT_EQ(retry_rung_name(120min), "2h");
  EXPECT_EQ(retry_rung_name(24h), "24h");
  EXPECT_EQ(retry_rung_name(61min), "61m");
  EXPECT_EQ(retry_rung_name(3601s), "3601s");
  EXPECT_EQ(retry_rung_name(0ms), "0ms");
}

TEST(RetryLadder, RungNamesAreOneToOne) {
  std::map<std::string, milliseconds> seen;
  for (std::int64_t v = 1; v <= 200'000; v += 250) {
    for (const std::int64_t scale : {1, 1000, 60'000}) {
      const milliseconds m{v * scale};
      const auto [it, fresh] = seen.emplace(retry_rung_name(m), m);
      if (!fresh) {
        EXPECT_EQ(it->second, m) << it->first;
      }
    }
  }
}

TEST(RetryLadder, Check) {
  EXPECT_EQ(check({}), std::nullopt);  // declares nothing
  EXPECT_TRUE(check({0ms, 1s}));
  EXPECT_TRUE(check({-1s}));
  const auto unsorted = check({1s, 5s, 2s});
  ASSERT_TRUE(unsorted);
  EXPECT_NE(unsorted->find("ascending"), std::string::npos) << *unsorted;
  EXPECT_TRUE(check({1s, 1s}));          // duplicate: the same queue name
  EXPECT_TRUE(check({1s, 1000ms, 2s}));  // "1s" twice
  EXPECT_TRUE(check({60s, 1min}));       // "1m" twice
  EXPECT_EQ(check({500ms, 1s, 90s}), std::nullopt);
  // RabbitMQ's x-message-ttl is an unsigned 32-bit count of milliseconds.
  EXPECT_EQ(check({milliseconds{4'294'967'295}}), std::nullopt);
  const auto too_long = check({milliseconds{4'294'967'296}});
  ASSERT_TRUE(too_long);
  EXPECT_NE(too_long->find("x-message-ttl"), std::string::npos) << *too_long;
}

}  // namespace
}  // namespace rai::amqp
