#pragma once

// Reading returning.events.history for `history replay` and `history show`:
// a stream consumer from the chunk of --since (or an exact --from-offset),
// each message judged by its own receive time, until the range is over.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include "amqp/session.hpp"
#include "tools/args.hpp"
#include "tools/history.hpp"

namespace rai::tool {

struct scan_options {
  history_filter filter;
  std::optional<std::int64_t> from_offset;  // exact start; else the chunk of since - margin
  // The end of the stream: no delivery for this long once the reader is in
  // the last chunk of when reading began (end_at_least). The stream delivers
  // what it holds as fast as the reader acks, so a pause there means the
  // reader is past everything that was in the stream when reading began.
  std::chrono::milliseconds idle{2'000};
  std::uint16_t prefetch = 1'000;
  // The first offset of the stream's last chunk when reading began
  // (last_chunk_offset); -1: unknown or empty. A pause before the reader got
  // there is the broker being slow, not the end: the reader waits on, up to
  // `stall`, then fails.
  std::int64_t end_at_least = -1;
  std::chrono::milliseconds stall{60'000};
};

// Where the stream's last chunk starts: one short-lived consumer from "last"
// on a connection of its own; -1 when the stream is empty.
outcome<std::int64_t> last_chunk_offset(const amqp::session_settings& broker);

// Why a scan ended.
enum class scan_end { past_until, idle, stopped };

// Runs `visit(message, verdict)` for every message from the start until one
// was received stop_slack_ms after until_ms, or nothing came for `idle`;
// visit returns false to stop, or a failure. The reader session only reads.
outcome<scan_end> scan_history(
    amqp::session& reader, const scan_options& options,
    const std::function<outcome<bool>(const amqp::taken_message&, verdict)>& visit);

// --since / --until / --source / --event / --from-offset / --idle-ms /
// --timeout-ms (as the stall limit, at least 60 s) into
// options; `since_required` (replay) or else the start of the stream.
// --until defaults to now.
outcome<scan_options> scan_options_from(const parsed_args& a, bool since_required);

}  // namespace rai::tool
