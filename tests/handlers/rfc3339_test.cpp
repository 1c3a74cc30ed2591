#include "handlers/rfc3339.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace rai::handlers {
namespace {

using namespace std::chrono;

TEST(Rfc3339, UtcWithMilliseconds) {
  const sys_time<milliseconds> t = sys_days{2024y / 5 / 1} + 10h + 2min + 3s + 45ms;
  EXPECT_EQ(rfc3339_utc(t), "2024-05-01T10:02:03.045Z");
}

TEST(Rfc3339, EpochAndEndOfDay) {
  EXPECT_EQ(rfc3339_utc(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  const sys_time<milliseconds> t = sys_days{2026y / 12 / 31} + 23h + 59min + 59s + 999ms;
  EXPECT_EQ(rfc3339_utc(t), "2026-12-31T23:59:59.999Z");
  EXPECT_EQ(rfc3339_utc(sys_days{2024y / 2 / 29}), "2024-02-29T00:00:00.000Z");  // leap day
}

TEST(Rfc3339, SubMillisecondsAreTruncated) {
  const sys_time<microseconds> t = sys_days{2024y / 5 / 1} + 1s + 999999us;
  EXPECT_EQ(rfc3339_utc(time_point_cast<system_clock::duration>(t)), "2024-05-01T00:00:01.999Z");
}

TEST(Rfc3339, BeforeTheEpochFloorsToTheRightSecond) {
  EXPECT_EQ(rfc3339_utc(system_clock::time_point{} - 1ms), "1969-12-31T23:59:59.999Z");
}

// The shape tests/integration/test_inbound.py checks on x-received-at.
TEST(Rfc3339, NowHasTheWireShape) {
  const std::string now = rfc3339_utc(system_clock::now());
  EXPECT_TRUE(std::regex_match(now, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")))
      << now;
}

}  // namespace
}  // namespace rai::handlers
