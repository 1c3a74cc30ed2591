#pragma once

// What `dlq replay` does to a dead command's headers: the delivery-state
// headers the gateway wrote when it gave up are dropped, so the command gets
// a fresh retry budget, and x-replayed-at records the replay. Every other
// header (x-kind first of all) is kept with its type.

#include <string_view>

namespace rai::tool {

inline constexpr std::string_view replayed_at_header = "x-replayed-at";

// x-attempt, x-last-status, x-last-error, x-dead-reason, and an earlier
// x-replayed-at (replaced by the new one).
bool dropped_on_replay(std::string_view header) noexcept;

}  // namespace rai::tool
