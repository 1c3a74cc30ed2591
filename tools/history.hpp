#pragma once

// The pure parts of `history replay` and `history show` (cmd_history_replay.cpp,
// cmd_history_show.cpp): RFC 3339 times, the range and selection a message is
// judged by, and an event's metadata as `show` prints it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "amqp/session.hpp"

namespace rai::tool {

// RFC 3339 date-time ("2026-11-23T10:15:30Z", "...30.123456+02:00"; t/z in
// either case) as unix milliseconds (a longer fraction is truncated); nullopt
// when malformed or out of range (years 1970 to 9999).
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text) noexcept;

// When the gateway received a message: its x-received-at header (RFC 3339,
// milliseconds), else its timestamp property (seconds); nullopt when it has
// neither.
std::optional<std::int64_t> received_ms(const amqp::taken_message& m);

// What a reader does with one message of the stream.
enum class verdict {
  before,    // received before --since: skip it, read on
  selected,  // in the range and chosen by --source/--event
  other,     // in the range, not chosen
  after,     // received at or after --until: skip it
};

// The half-open range [since, until) in unix ms and the optional selection.
struct history_filter {
  std::int64_t since_ms = 0;
  std::int64_t until_ms = 0;
  std::optional<std::string> source;  // header x-source
  std::optional<std::string> event;   // the type property (the event kind)

  verdict judge(std::optional<std::int64_t> received, std::string_view source_of,
                std::string_view event_of) const noexcept;
};

// A reader stops at the first message received this long after --until:
// the stream is in publish order, and an event spooled by the gateway while
// the broker was away is published late, so one received a little before
// --until may follow one received a little after it.
inline constexpr std::int64_t stop_slack_ms = 5'000;
// The reader starts at the stream chunk of --since minus this much, since the
// stream's timestamp index is per chunk (and spooled events come late).
inline constexpr std::int64_t start_margin_ms = 10'000;

// history show: one event's metadata as a tab-separated line:
// OFFSET, RECEIVED_AT, ID, SOURCE, EVENT, BYTES, REPLAYED_AT (+ BODY). Values
// from the broker are escaped so they cannot drive a terminal; "-" = absent.
std::string history_text_header(bool with_body);
// One value for a terminal line: "-" when absent or empty; tabs and line
// breaks become spaces; other control, C1 and bidi characters are escaped.
std::string terminal_cell(std::optional<std::string> v);
std::string format_history_text(const amqp::taken_message& m, bool with_body);

}  // namespace rai::tool
