#include "tools/history.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "handlers/rfc3339.hpp"

namespace rai::tool {
namespace {

constexpr std::int64_t k_2026_11_23_101530 = 1'795'428'930'000;  // 2026-11-23T10:15:30Z in ms

TEST(Rfc3339, UtcWithAndWithoutFraction) {
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T10:15:30Z"), k_2026_11_23_101530);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T10:15:30.123Z"), k_2026_11_23_101530 + 123);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23t10:15:30.1z"), k_2026_11_23_101530 + 100);
  // A longer fraction is truncated to the millisecond, never rounded up.
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T10:15:30.123999999Z"), k_2026_11_23_101530 + 123);
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
}

TEST(Rfc3339, OffsetsAreTheSameInstant) {
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T12:15:30+02:00"), k_2026_11_23_101530);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-23T04:45:30.5-05:30"), k_2026_11_23_101530 + 500);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-24T00:15:30+14:00"), k_2026_11_23_101530);
}

TEST(Rfc3339, RoundTripsWhatTheGatewayWrites) {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  EXPECT_EQ(parse_rfc3339_ms(handlers::rfc3339_utc(now)), ms);
}

TEST(Rfc3339, RefusesMalformedAndImpossibleTimes) {
  for (const char* bad :
       {"", "yesterday", "2026-11-23", "2026-11-23T10:15:30",  // no zone
        "2026-11-23 10:15:30Z", "2026-11-23T10:15Z", "2026-11-23T10:15:30.Z",
        "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-11-23T24:00:00Z",
        "2026-11-23T10:60:00Z", "2026-11-23T10:15:30+2:00", "2026-11-23T10:15:30+02:00x",
        "1969-12-31T23:59:59Z", "2026-11-23T10:15:30ZZ", "+026-11-23T10:15:30Z"}) {
    EXPECT_FALSE(parse_rfc3339_ms(bad).has_value()) << bad;
  }
  EXPECT_TRUE(parse_rfc3339_ms("2024-02-29T00:00:00Z").has_value());
}

TEST(HistoryFilter, RangeIsHalfOpenAndByTheMillisecond) {
  history_filter f;
  f.since_ms = 1'000;
  f.until_ms = 2'000;
  EXPECT_EQ(f.judge(999, "s", "e"), verdict::before);
  EXPECT_EQ(f.judge(1'000, "s", "e"), verdict::selected);
  EXPECT_EQ(f.judge(1'999, "s", "e"), verdict::selected);
  EXPECT_EQ(f.judge(2'000, "s", "e"), verdict::after);
  // Without a receive time a message cannot be placed in the range.
  EXPECT_EQ(f.judge(std::nullopt, "s", "e"), verdict::before);
}

TEST(HistoryFilter, SourceAndEventSelectWithinTheRange) {
  history_filter f;
  f.since_ms = 0;
  f.until_ms = 10;
  f.source = "crm";
  f.event = "user-joined";
  EXPECT_EQ(f.judge(5, "crm", "user-joined"), verdict::selected);
  EXPECT_EQ(f.judge(5, "crm", "user-visited"), verdict::other);
  EXPECT_EQ(f.judge(5, "shop", "user-joined"), verdict::other);
  EXPECT_EQ(f.judge(5, "", ""), verdict::other);
  EXPECT_EQ(f.judge(10, "crm", "user-joined"), verdict::after);
  f.source.reset();
  EXPECT_EQ(f.judge(5, "shop", "user-joined"), verdict::selected);
}

TEST(TerminalCell, OneLineAndNoTerminalControls) {
  EXPECT_EQ(terminal_cell(std::nullopt), "-");
  EXPECT_EQ(terminal_cell(std::string()), "-");
  EXPECT_EQ(terminal_cell(std::string("user-joined")), "user-joined");
  const std::string shown = terminal_cell(std::string("a\tb\nc\x1b]0;owned\x07"));
  EXPECT_EQ(shown.find_first_of("\t\n\r\x1b\x07"), std::string::npos) << shown;
  EXPECT_EQ(shown.substr(0, 5), "a b c");
}

}  // namespace
}  // namespace rai::tool
