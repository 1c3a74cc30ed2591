#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace rai::handlers {

enum class event_kind {
  user_joined,
  user_visited,
  message_posted,
  channel_message_posted,
  store_item_purchased,
};
// How many kinds there are: sizes every table indexed by event_kind (the
// names in events.cpp, the per-event metrics), each of which checks it.
inline constexpr std::size_t event_kind_count = 5;

// Every kind, in declaration order.
std::span<const event_kind> all_event_kinds() noexcept;

// Canonical URL / routing-key name: "user-joined", ...
std::string_view event_name(event_kind e) noexcept;

// The {event} path segment: canonical names only.
std::optional<event_kind> event_from_path(std::string_view segment) noexcept;

// A plaintext "event" field: canonical names and their spellings
// ("user_joined", "USER_JOINED", "user.joined", "userJoined", ...).
std::optional<event_kind> event_from_field(std::string_view value) noexcept;

}  // namespace rai::handlers
