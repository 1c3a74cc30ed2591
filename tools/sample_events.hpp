#pragma once

// Realistic sample payloads of Returning.AI's outgoing webhooks, one per
// event kind, for `send`. Returning.AI publishes no schema (wire-format §5),
// so these are plausible shapes: every payload is a JSON object with "id",
// "event" (the canonical name), "timestamp" and the kind's own fields, and
// sequence number `n` varies the user, message and purchase ids.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "handlers/events.hpp"

namespace rai::tool {

std::string sample_event(handlers::event_kind kind, std::string_view id, std::uint64_t n,
                         std::string_view timestamp);

// "all" -> every kind; a canonical event name -> that one; else nullopt.
std::optional<std::vector<handlers::event_kind>> event_kinds_from_flag(std::string_view text);

}  // namespace rai::tool
