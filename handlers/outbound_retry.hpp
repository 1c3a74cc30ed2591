#pragma once

// Retry policy of the outbound sender (docs/wire-format.md §7), as one object the
// sender consults: classify a response, read Retry-After, pick the next delay
// queue. Pure: time and randomness come in as arguments.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rai::handlers {

enum class send_outcome { delivered, retry, reject };

// 2xx → delivered. 408, 425, 429 and 5xx → retry. 1xx, 3xx (redirects are
// never followed), every other 4xx, and anything outside 100..599 → reject.
send_outcome classify_status(unsigned http_status) noexcept;

// The longest wait a Retry-After can ask for; larger values are clamped.
inline constexpr std::chrono::seconds max_retry_after{24 * 60 * 60};

// A Retry-After header value (RFC 9110 §10.2.3), surrounding spaces/tabs
// ignored: delta-seconds (digits only, any length, clamped to
// max_retry_after) or an HTTP-date in IMF-fixdate ("Sun, 06 Nov 1994 08:49:37
// GMT"), obsolete RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT"; a two-digit year
// more than 50 years ahead of `now` means the previous century) or asctime
// ("Sun Nov  6 08:49:37 1994") form, giving max(0, date - now) clamped to
// max_retry_after. Anything else (sign, fraction, invalid date) → nullopt.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now);

// Base delay before retry n (1-based): steps[n - 1]. A command whose retries
// are used up is dead-lettered as `exhausted`.
struct retry_schedule {
  std::vector<std::chrono::milliseconds> steps{
      std::chrono::seconds{5},  std::chrono::seconds{30}, std::chrono::minutes{2},
      std::chrono::minutes{10}, std::chrono::minutes{30}, std::chrono::hours{1},
      std::chrono::hours{2},    std::chrono::hours{4},    std::chrono::hours{8}};
};

// Config check; a sentence naming the setting, or nullopt when usable:
// non-empty, every step > 0.
std::optional<std::string> validate(const retry_schedule& s);

struct retry_decision {
  bool exhausted = false;
  std::chrono::milliseconds delay{0};  // the chosen rung's duration
  std::size_t rung_index = 0;          // into the rungs
};

// Where a failed command waits next. `attempts_so_far` is the number of
// retries already made (0 right after the first send failed), so this picks
// retry attempts_so_far + 1 with base step steps[attempts_so_far]; when
// attempts_so_far >= steps.size() the command is exhausted (delay 0, index 0).
//
// Full jitter: wanted = uniform in [0, step], taken from `random` (random = 0
// → 0, random = UINT64_MAX → step). Then wanted = max(wanted, retry_after),
// rounded UP to the smallest rung >= wanted. A wanted delay above the largest
// rung gets the largest rung: the command retries earlier than asked and the
// next answer decides again. An empty ladder → exhausted. `rungs` are the
// delay queues' TTLs (the ladder itself, its defaults and queue names belong
// to the broker topology: amqp/retry_ladder.hpp); they need not be sorted.
retry_decision next_retry(const retry_schedule& schedule,
                          std::span<const std::chrono::milliseconds> rungs,
                          unsigned attempts_so_far, std::optional<std::chrono::seconds> retry_after,
                          std::uint64_t random) noexcept;

}  // namespace rai::handlers
