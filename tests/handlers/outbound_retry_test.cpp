#include "handlers/outbound_retry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace rai::handlers {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;
using time_point = std::chrono::system_clock::time_point;

constexpr std::uint64_t max_random = std::numeric_limits<std::uint64_t>::max();

// --- classify_status -------------------------------------------------------------------

TEST(ClassifyStatus, EveryFamilyAndEdge) {
  const std::vector<std::pair<unsigned, send_outcome>> cases = {
      {0, send_outcome::reject},
      {99, send_outcome::reject},
      {100, send_outcome::reject},
      {101, send_outcome::reject},
      {199, send_outcome::reject},
      {200, send_outcome::delivered},
      {201, send_outcome::delivered},
      {202, send_outcome::delivered},
      {204, send_outcome::delivered},
      {299, send_outcome::delivered},
      {300, send_outcome::reject},
      {301, send_outcome::reject},
      {302, send_outcome::reject},
      {304, send_outcome::reject},
      {307, send_outcome::reject},
      {308, send_outcome::reject},
      {399, send_outcome::reject},
      {400, send_outcome::reject},
      {401, send_outcome::reject},
      {403, send_outcome::reject},
      {404, send_outcome::reject},
      {407, send_outcome::reject},
      {408, send_outcome::retry},
      {409, send_outcome::reject},
      {410, send_outcome::reject},
      {413, send_outcome::reject},
      {422, send_outcome::reject},
      {424, send_outcome::reject},
      {425, send_outcome::retry},
      {426, send_outcome::reject},
      {428, send_outcome::reject},
      {429, send_outcome::retry},
      {430, send_outcome::reject},
      {499, send_outcome::reject},
      {500, send_outcome::retry},
      {501, send_outcome::retry},
      {502, send_outcome::retry},
      {503, send_outcome::retry},
      {504, send_outcome::retry},
      {599, send_outcome::retry},
      {600, send_outcome::reject},
      {999, send_outcome::reject},
      {std::numeric_limits<unsigned>::max(), send_outcome::reject},
  };
  for (const auto& [status, want] : cases) {
    EXPECT_EQ(classify_status(status), want) << status;
  }
}

TEST(ClassifyStatus, WholeRangeByFamily) {
  for (unsigned s = 0; s < 1000; ++s) {
    send_outcome want = send_outcome::reject;
    if (s >= 200 && s < 300) want = send_outcome::delivered;
    if ((s >= 500 && s < 600) || s == 408 || s == 425 || s == 429) want = send_outcome::retry;
    EXPECT_EQ(classify_status(s), want) << s;
  }
}

// --- parse_retry_after -----------------------------------------------------------------

// Sun, 06 Nov 1994 08:49:37 GMT
constexpr std::int64_t rfc_example = 784'111'777;
const time_point before_example{seconds{rfc_example - 37}};

TEST(RetryAfter, DeltaSeconds) {
  const time_point now{seconds{1'700'000'000}};
  EXPECT_EQ(parse_retry_after("0", now), 0s);
  EXPECT_EQ(parse_retry_after("1", now), 1s);
  EXPECT_EQ(parse_retry_after("120", now), 120s);
  EXPECT_EQ(parse_retry_after("007", now), 7s);
  EXPECT_EQ(parse_retry_after(" 30\t", now), 30s);
  EXPECT_EQ(parse_retry_after("3600", now), 3600s);
  EXPECT_EQ(parse_retry_after("86399", now), 86399s);
}

TEST(RetryAfter, DeltaSecondsAreCappedButStillParsed) {
  const time_point now{seconds{1'700'000'000}};
  EXPECT_EQ(max_retry_after, 86400s);
  EXPECT_EQ(parse_retry_after("86400", now), max_retry_after);
  EXPECT_EQ(parse_retry_after("86401", now), max_retry_after);
  EXPECT_EQ(parse_retry_after("9223372036854775808", now), max_retry_after);
  EXPECT_EQ(parse_retry_after(std::string(400, '9'), now), max_retry_after);
  // Garbage after a long number is still garbage.
  EXPECT_EQ(parse_retry_after(std::string(400, '9') + "x", now), std::nullopt);
}

TEST(RetryAfter, Garbage) {
  const time_point now{seconds{1'700'000'000}};
  for (const char* v : {"", " ", "\t", "-1", "+5", "1.5", "1e3", "0x10", "12 34", "abc", "5s",
                        "1,2", "\r\n5", "5\n", "Sun, 06 Nov 1994", "GMT", "tomorrow"}) {
    EXPECT_EQ(parse_retry_after(v, now), std::nullopt) << '"' << v << '"';
  }
}

TEST(RetryAfter, ImfFixdate) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", before_example), 37s);
  // Liberal about case and surrounding whitespace.
  EXPECT_EQ(parse_retry_after("  sun, 06 NOV 1994 08:49:37 gmt ", before_example), 37s);
  // The weekday is not cross-checked.
  EXPECT_EQ(parse_retry_after("Mon, 06 Nov 1994 08:49:37 GMT", before_example), 37s);
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 09:49:37 GMT", before_example), 3637s);
}

TEST(RetryAfter, Rfc850) {
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", before_example), 37s);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", before_example), 97s);
}

TEST(RetryAfter, Rfc850TwoDigitYearWindow) {
  const time_point jan_2024{seconds{1'704'067'200}};  // 2024-01-01T00:00:00Z
  // 24 → 2024, 100 s ahead.
  EXPECT_EQ(parse_retry_after("Monday, 01-Jan-24 00:01:40 GMT", jan_2024), 100s);
  // 30 → 2030 (within 50 years ahead): far in the future → capped.
  EXPECT_EQ(parse_retry_after("Tuesday, 01-Jan-30 00:00:00 GMT", jan_2024), max_retry_after);
  // 80 → 2080 would be > 50 years ahead, so it is 1980: in the past → 0.
  EXPECT_EQ(parse_retry_after("Tuesday, 01-Jan-80 00:00:00 GMT", jan_2024), 0s);
  // 23 → 2023: past.
  EXPECT_EQ(parse_retry_after("Sunday, 31-Dec-23 23:59:59 GMT", jan_2024), 0s);
}

TEST(RetryAfter, Asctime) {
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", before_example), 37s);
  EXPECT_EQ(parse_retry_after("Sun Nov 06 08:49:37 1994", before_example), 37s);
  const time_point jan_2024{seconds{1'704'067'200}};
  EXPECT_EQ(parse_retry_after("Mon Jan 15 00:00:00 2024", jan_2024), max_retry_after);
  EXPECT_EQ(parse_retry_after("Mon Jan  1 00:00:10 2024", jan_2024), 10s);
}

TEST(RetryAfter, PastAndPresentDatesAreZero) {
  const time_point now{seconds{1'700'000'000}};
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 0s);
  EXPECT_EQ(parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), 0s);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), 0s);
  const time_point exactly{seconds{rfc_example}};
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", exactly), 0s);
}

TEST(RetryAfter, FutureDatesAreCapped) {
  EXPECT_EQ(parse_retry_after("Tue, 08 Nov 1994 08:49:37 GMT", before_example), max_retry_after);
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", before_example), max_retry_after);
  // Just under the cap stays exact.
  EXPECT_EQ(parse_retry_after("Mon, 07 Nov 1994 08:48:59 GMT", before_example), 86399s);
}

TEST(RetryAfter, SubSecondNowRoundsTheClockDown) {
  const time_point now = time_point{seconds{rfc_example - 10}} + 900ms;
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 10s);
}

TEST(RetryAfter, LeapSecondAndCalendarEdges) {
  // 23:59:60 is accepted as the following second.
  const time_point dec31{seconds{1'483'228'799}};  // 2016-12-31T23:59:59Z
  EXPECT_EQ(parse_retry_after("Sat, 31 Dec 2016 23:59:60 GMT", dec31), 1s);
  // Feb 29 exists in a leap year only.
  const time_point early_2024{seconds{1'704'067'200}};
  EXPECT_EQ(parse_retry_after("Thu, 29 Feb 2024 00:00:00 GMT", early_2024), max_retry_after);
  EXPECT_EQ(parse_retry_after("Wed, 01 Mar 2023 00:00:00 GMT", early_2024), 0s);
  EXPECT_EQ(parse_retry_after("Wed, 29 Feb 2023 00:00:00 GMT", early_2024), std::nullopt);
}

TEST(RetryAfter, MalformedDates) {
  for (const char* v : {
           "Sun, 31 Feb 1994 08:49:37 GMT",     // no such day
           "Sun, 00 Nov 1994 08:49:37 GMT",     // day 0
           "Sun, 32 Nov 1994 08:49:37 GMT",     // day 32
           "Sun, 06 Nov 1994 24:00:00 GMT",     // hour 24
           "Sun, 06 Nov 1994 08:60:00 GMT",     // minute 60
           "Sun, 06 Nov 1994 08:49:61 GMT",     // second 61
           "Sun, 6 Nov 1994 08:49:37 GMT",      // one-digit day
           "Sun, 06 Nov 94 08:49:37 GMT",       // two-digit year in IMF-fixdate
           "Sun, 06 Foo 1994 08:49:37 GMT",     // month
           "Xyz, 06 Nov 1994 08:49:37 GMT",     // weekday
           "Sun, 06 Nov 1994 08:49:37",         // no zone
           "Sun, 06 Nov 1994 08:49:37 UTC",     // other zone
           "Sun, 06 Nov 1994 08:49:37 GMT+1",   // trailing text
           "Sun, 06 Nov 1994 8:49:37 GMT",      // one-digit hour
           "Sun,06 Nov 1994 08:49:37 GMT",      // missing space
           "Sun, 06-Nov-1994 08:49:37 GMT",     // mixed forms
           "Sun, 06-Nov-94 08:49:37 GMT",       // RFC 850 needs the long weekday
           "Sunday, 06-Nov-94 08:49:37",        // RFC 850 without zone
           "Sunday, 06 Nov 1994 08:49:37 GMT",  // IMF with the long weekday
           "Sun Nov 6 08:49:37 1994",           // asctime single space before one digit
           "Sun Nov  6 08:49:37 94",            // asctime two-digit year
           "Sun Nov  6 08:49:37 1994 GMT",      // asctime with zone
           "Sun Nov 36 08:49:37 1994",          // asctime day 36
       }) {
    EXPECT_EQ(parse_retry_after(v, before_example), std::nullopt) << v;
  }
}

// --- schedule and ladder ---------------------------------------------------------------

TEST(RetrySchedule, DefaultIsTheSpecSchedule) {
  const std::vector<milliseconds> want = {5s, 30s, 2min, 10min, 30min, 1h, 2h, 4h, 8h};
  EXPECT_EQ(retry_schedule{}.steps, want);
  EXPECT_EQ(validate(retry_schedule{}), std::nullopt);
}

TEST(RetrySchedule, Validation) {
  EXPECT_TRUE(validate(retry_schedule{{}}));
  EXPECT_TRUE(validate(retry_schedule{{5s, 0s}}));
  EXPECT_TRUE(validate(retry_schedule{{-1ms}}));
  const auto p = validate(retry_schedule{{5s, 30s, 0s}});
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("step 3"), std::string::npos) << *p;
  EXPECT_EQ(validate(retry_schedule{{1ms}}), std::nullopt);
  // Steps need not be monotonic.
  EXPECT_EQ(validate(retry_schedule{{1h, 5s}}), std::nullopt);
}

// --- next_retry ------------------------------------------------------------------------

// splitmix64: a deterministic stream of well-spread 64-bit values.
std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

using ladder = std::vector<milliseconds>;

// The delay queues' TTLs the gateway declares by default (docs/wire-format.md §7;
// amqp::default_retry_rungs() owns them), as test data.
ladder wire_format_ladder() {
  return {1s, 2s, 5s, 10s, 30s, 1min, 2min, 5min, 10min, 30min, 1h, 2h, 4h, 8h};
}

// The reference rounding: smallest rung >= d (the ladder is sorted), else the last.
milliseconds rung_at_least(const ladder& l, milliseconds d) {
  for (const auto r : l) {
    if (r >= d) return r;
  }
  return l.back();
}

TEST(NextRetry, ExhaustedAfterTheLastStep) {
  const retry_schedule s;
  const ladder l = wire_format_ladder();
  for (unsigned n = 0; n < s.steps.size(); ++n) {
    EXPECT_FALSE(next_retry(s, l, n, std::nullopt, 0).exhausted) << n;
    EXPECT_FALSE(next_retry(s, l, n, std::nullopt, max_random).exhausted) << n;
  }
  for (const unsigned n : {9u, 10u, 1000u, std::numeric_limits<unsigned>::max()}) {
    const auto d = next_retry(s, l, n, 10s, max_random);
    EXPECT_TRUE(d.exhausted) << n;
    EXPECT_EQ(d.delay, 0ms);
  }
  EXPECT_TRUE(next_retry(retry_schedule{{}}, l, 0, std::nullopt, 0).exhausted);
  EXPECT_TRUE(next_retry(retry_schedule{{1s}}, l, 1, std::nullopt, 0).exhausted);
  EXPECT_FALSE(next_retry(retry_schedule{{1s}}, l, 0, std::nullopt, 0).exhausted);
}

TEST(NextRetry, EmptyLadderCannotScheduleAnything) {
  EXPECT_TRUE(next_retry(retry_schedule{}, ladder{}, 0, std::nullopt, 0).exhausted);
}

TEST(NextRetry, RandomZeroWaitsTheShortestRung) {
  const retry_schedule s;
  const ladder l = wire_format_ladder();
  for (unsigned n = 0; n < s.steps.size(); ++n) {
    const auto d = next_retry(s, l, n, std::nullopt, 0);
    EXPECT_EQ(d.delay, 1s) << n;
    EXPECT_EQ(d.rung_index, 0u);
  }
}

TEST(NextRetry, RandomMaxWaitsTheFullStep) {
  const retry_schedule s;
  const ladder l = wire_format_ladder();
  // Each default step is itself a rung: 5s, 30s, 2m, 10m, 30m, 1h, 2h, 4h, 8h.
  const std::vector<std::size_t> want_index = {2, 4, 6, 8, 9, 10, 11, 12, 13};
  for (unsigned n = 0; n < s.steps.size(); ++n) {
    const auto d = next_retry(s, l, n, std::nullopt, max_random);
    EXPECT_EQ(d.delay, s.steps[n]) << n;
    EXPECT_EQ(d.rung_index, want_index[n]) << n;
    EXPECT_EQ(l[d.rung_index], d.delay);
  }
}

TEST(NextRetry, AttemptNumberSelectsTheStep) {
  const retry_schedule s{{1s, 10s, 1h}};
  const ladder l = wire_format_ladder();
  EXPECT_EQ(next_retry(s, l, 0, std::nullopt, max_random).delay, 1s);
  EXPECT_EQ(next_retry(s, l, 1, std::nullopt, max_random).delay, 10s);
  EXPECT_EQ(next_retry(s, l, 2, std::nullopt, max_random).delay, 1h);
  EXPECT_TRUE(next_retry(s, l, 3, std::nullopt, max_random).exhausted);
}

TEST(NextRetry, HalfwayRandomGivesHalfTheStep) {
  const retry_schedule s{{10min}};
  const ladder l = wire_format_ladder();
  // 2^63 maps to floor(600001 / 2) ms = 300000 ms = exactly the 5m rung.
  EXPECT_EQ(next_retry(s, l, 0, std::nullopt, std::uint64_t{1} << 63).delay, 5min);
  // Just past half needs the next rung up.
  const retry_schedule s2{{10min + 4ms}};
  EXPECT_EQ(next_retry(s2, l, 0, std::nullopt, std::uint64_t{1} << 63).delay, 10min);
}

TEST(NextRetry, RoundsUpToTheNextRung) {
  const ladder l = wire_format_ladder();
  // random = max gives wanted == step exactly.
  const std::vector<std::pair<milliseconds, milliseconds>> cases = {
      {1ms, 1s},     {999ms, 1s},    {1000ms, 1s}, {1001ms, 2s}, {3s, 5s},
      {7s, 10s},     {11s, 30s},     {31s, 1min},  {61s, 2min},  {3min, 5min},
      {6min, 10min}, {11min, 30min}, {31min, 1h},  {61min, 2h},  {3h, 4h},
      {5h, 8h},      {8h, 8h},       {9h, 8h},     {48h, 8h},
  };
  for (const auto& [step, want] : cases) {
    const auto d = next_retry(retry_schedule{{step}}, l, 0, std::nullopt, max_random);
    EXPECT_EQ(d.delay, want) << step.count() << "ms";
    EXPECT_EQ(l[d.rung_index], want);
  }
}

TEST(NextRetry, JitterStaysWithinBounds) {
  const retry_schedule s;
  const ladder l = wire_format_ladder();
  std::uint64_t state = 42;
  for (unsigned n = 0; n < s.steps.size(); ++n) {
    const milliseconds upper = rung_at_least(l, s.steps[n]);
    std::set<milliseconds> seen;
    for (int i = 0; i < 2000; ++i) {
      const auto d = next_retry(s, l, n, std::nullopt, splitmix(state));
      ASSERT_FALSE(d.exhausted);
      ASSERT_LT(d.rung_index, l.size());
      EXPECT_EQ(l[d.rung_index], d.delay);
      EXPECT_GE(d.delay, l.front());
      EXPECT_LE(d.delay, upper) << "attempt " << n;
      seen.insert(d.delay);
    }
    // The jitter really spreads the delay: every rung that catches at least 1%
    // of [0, step] shows up in 2000 draws, the top one included.
    milliseconds previous{0};
    for (const auto r : l) {
      if (r > upper) break;
      const double share = static_cast<double>((std::min(r, s.steps[n]) - previous).count()) /
                           static_cast<double>(s.steps[n].count());
      if (share >= 0.01) {
        EXPECT_TRUE(seen.count(r)) << "attempt " << n << " rung " << r.count() << " ms";
      }
      previous = r;
    }
    EXPECT_TRUE(seen.count(upper)) << "attempt " << n;
  }
}

TEST(NextRetry, JitterIsUniform) {
  // wanted is uniform in [0, 10m]: about half of the draws land at or under 5m.
  const retry_schedule s{{10min}};
  const ladder l = wire_format_ladder();
  std::uint64_t state = 7;
  int low = 0;
  constexpr int draws = 20'000;
  for (int i = 0; i < draws; ++i) {
    if (next_retry(s, l, 0, std::nullopt, splitmix(state)).delay <= 5min) ++low;
  }
  EXPECT_GT(low, draws * 45 / 100);
  EXPECT_LT(low, draws * 55 / 100);
}

TEST(NextRetry, NeverBelowRetryAfter) {
  const retry_schedule s;
  const ladder l = wire_format_ladder();
  std::uint64_t state = 99;
  for (const seconds ra : {0s, 1s, 2s, 3s, 45s, 60s, 61s, 600s, 3599s, 3600s, 28800s}) {
    for (unsigned n = 0; n < s.steps.size(); ++n) {
      for (int i = 0; i < 200; ++i) {
        const std::uint64_t random = i == 0 ? 0 : i == 1 ? max_random : splitmix(state);
        const auto d = next_retry(s, l, n, ra, random);
        EXPECT_GE(d.delay, ra) << "retry-after " << ra.count() << " attempt " << n;
        // ...and no longer than the larger of the two bounds needs.
        EXPECT_LE(d.delay, rung_at_least(l, std::max<milliseconds>(s.steps[n], ra)));
      }
    }
  }
}

TEST(NextRetry, RetryAfterExamples) {
  const retry_schedule s;
  const ladder l = wire_format_ladder();
  EXPECT_EQ(next_retry(s, l, 0, 45s, 0).delay, 1min);
  EXPECT_EQ(next_retry(s, l, 0, 3600s, 0).delay, 1h);
  EXPECT_EQ(next_retry(s, l, 0, 0s, 0).delay, 1s);
  // A Retry-After shorter than the jittered step does not shorten it.
  EXPECT_EQ(next_retry(s, l, 8, 10s, max_random).delay, 8h);
}

TEST(NextRetry, RetryAfterBeyondTheLadderGetsTheLargestRung) {
  const retry_schedule s;
  const ladder l = wire_format_ladder();
  const auto d = next_retry(s, l, 0, max_retry_after, 0);
  EXPECT_EQ(d.delay, 8h);
  EXPECT_EQ(d.rung_index, l.size() - 1);
  EXPECT_EQ(next_retry(s, l, 0, 8h + 1s, 0).delay, 8h);
}

TEST(NextRetry, UnsortedLadderStillRoundsUp) {
  const ladder l{10s, 1s, 5s};
  const auto d = next_retry(retry_schedule{{3s}}, l, 0, std::nullopt, max_random);
  EXPECT_EQ(d.delay, 5s);
  EXPECT_EQ(d.rung_index, 2u);
  const auto big = next_retry(retry_schedule{{1h}}, l, 0, std::nullopt, max_random);
  EXPECT_EQ(big.delay, 10s);
  EXPECT_EQ(big.rung_index, 0u);
}

TEST(NextRetry, Deterministic) {
  const retry_schedule s;
  const ladder l = wire_format_ladder();
  std::uint64_t state = 5;
  for (int i = 0; i < 100; ++i) {
    const auto r = splitmix(state);
    const auto a = next_retry(s, l, 3, 20s, r);
    const auto b = next_retry(s, l, 3, 20s, r);
    EXPECT_EQ(a.delay, b.delay);
    EXPECT_EQ(a.rung_index, b.rung_index);
  }
}

}  // namespace
}  // namespace rai::handlers
