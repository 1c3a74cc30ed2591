#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace rai::gateway {

// How long a request body may take to arrive.
struct body_pace {
  std::chrono::milliseconds timeout{30'000};  // the whole body, whatever its rate
  std::uint64_t min_bytes_per_second = 1024;  // 0: no minimum rate
  std::chrono::milliseconds grace{5'000};     // before the rate counts
};

// By when a body that began at `started` and has brought `received` bytes so
// far must bring its next byte (or end): the minimum rate is an average from
// the body's start, after a grace period, so each byte received buys
// 1/min_bytes_per_second s (Apache mod_reqtimeout's MinRate rule). A body
// that trickles below the rate meets its deadline once its grace and its
// bought time run out; one at the rate or faster is bounded only by timeout.
// Pure: the session sets its read deadline to this before each read.
inline std::chrono::steady_clock::time_point body_deadline(
    std::chrono::steady_clock::time_point started, std::uint64_t received, const body_pace& pace) {
  using std::chrono::milliseconds;
  if (pace.min_bytes_per_second == 0) return started + pace.timeout;
  const std::uint64_t rate = pace.min_bytes_per_second;
  const auto limit =
      static_cast<std::uint64_t>(std::max<milliseconds::rep>(pace.timeout.count(), 0));
  const auto grace = static_cast<std::uint64_t>(std::max<milliseconds::rep>(pace.grace.count(), 0));
  // grace + received / rate seconds, in ms, capped at the timeout (no overflow
  // for any received; the remainder term needs rate < 2^54).
  const std::uint64_t seconds = received / rate;
  std::uint64_t allowed = limit;
  if (seconds < limit / 1000 + 1) {
    const std::uint64_t bought = seconds * 1000 + received % rate * 1000 / rate;
    allowed = std::min(limit, grace + bought);
  }
  return started + milliseconds(static_cast<milliseconds::rep>(allowed));
}

}  // namespace rai::gateway
