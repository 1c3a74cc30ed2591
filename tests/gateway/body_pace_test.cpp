#include "gateway/body_pace.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace rai::gateway {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

const steady_clock::time_point t0{std::chrono::hours(1000)};

std::chrono::milliseconds allowed(std::uint64_t received, const body_pace& pace) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(body_deadline(t0, received, pace) -
                                                               t0);
}

TEST(BodyPace, GracePlusOneSecondPerRateBytes) {
  const body_pace pace{.timeout = 30s, .min_bytes_per_second = 1000, .grace = 5s};
  EXPECT_EQ(allowed(0, pace), 5s);  // nothing yet: the grace period
  EXPECT_EQ(allowed(1, pace), 5001ms);
  EXPECT_EQ(allowed(999, pace), 5999ms);
  EXPECT_EQ(allowed(1000, pace), 6s);
  EXPECT_EQ(allowed(10'000, pace), 15s);
  EXPECT_EQ(allowed(25'000, pace), 30s);
}

TEST(BodyPace, NeverBeyondTheBodyTimeout) {
  const body_pace pace{.timeout = 30s, .min_bytes_per_second = 1000, .grace = 5s};
  EXPECT_EQ(allowed(25'001, pace), 30s);
  EXPECT_EQ(allowed(1 << 20, pace), 30s);
  EXPECT_EQ(allowed(std::numeric_limits<std::uint64_t>::max(), pace), 30s);  // no overflow
  const body_pace slow_rate{.timeout = 30s, .min_bytes_per_second = 1, .grace = 5s};
  EXPECT_EQ(allowed(std::numeric_limits<std::uint64_t>::max(), slow_rate), 30s);
  const body_pace long_grace{.timeout = 2s, .min_bytes_per_second = 1000, .grace = 5s};
  EXPECT_EQ(allowed(0, long_grace), 2s);
}

TEST(BodyPace, ZeroRateMeansOnlyTheTimeout) {
  const body_pace pace{.timeout = 30s, .min_bytes_per_second = 0, .grace = 5s};
  EXPECT_EQ(allowed(0, pace), 30s);
  EXPECT_EQ(allowed(1, pace), 30s);
}

TEST(BodyPace, ATricklerBelowTheRateMeetsItsDeadline) {
  // One byte every 200 ms is 5 B/s against a minimum of 1,000 B/s: after the
  // grace period its deadline falls behind the clock at once.
  const body_pace pace{.timeout = 60s, .min_bytes_per_second = 1000, .grace = 1s};
  std::uint64_t received = 0;
  auto now = t0;
  while (body_deadline(t0, received, pace) > now) {
    now += 200ms;
    ++received;
  }
  EXPECT_LE(now - t0, 1400ms);
  EXPECT_GE(now - t0, 1s);
  // A sender at twice the rate never meets it before the body timeout.
  received = 0;
  for (auto t = t0; t < t0 + 60s; t += 100ms) {
    EXPECT_GT(body_deadline(t0, received, pace), t);
    received += 200;
  }
}

}  // namespace
}  // namespace rai::gateway
