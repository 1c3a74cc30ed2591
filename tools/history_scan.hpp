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
  // The end of the stream: no delivery for this long. The stream delivers
  // what it holds as fast as the reader acks, so a pause this long means the
  // reader is past everything that was in the stream when reading began.
  std::chrono::milliseconds idle{2'000};
  std::uint16_t prefetch = 1'000;
};

// Why a scan ended.
enum class scan_end { past_until, idle, stopped };

// Runs `visit(message, verdict)` for every message from the start until one
// was received stop_slack_ms after until_ms, or nothing came for `idle`;
// visit returns false to stop, or a failure. The reader session only reads.
outcome<scan_end> scan_history(
    amqp::session& reader, const scan_options& options,
    const std::function<outcome<bool>(const amqp::taken_message&, verdict)>& visit);

// --since / --until / --source / --event / --from-offset / --idle-ms into
// options; `since_required` (replay) or else the start of the stream.
// --until defaults to now.
outcome<scan_options> scan_options_from(const parsed_args& a, bool since_required);

}  // namespace rai::tool
