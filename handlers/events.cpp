#include "handlers/events.hpp"

#include <array>
#include <cstddef>

namespace rai::handlers {
namespace {

struct event_names {
  event_kind kind;
  std::string_view canonical;   // "user-joined"
  std::string_view normalized;  // "userjoined": lowercase, separators removed
};

constexpr std::array<event_names, event_kind_count> events{{
    {event_kind::user_joined, "user-joined", "userjoined"},
    {event_kind::user_visited, "user-visited", "uservisited"},
    {event_kind::message_posted, "message-posted", "messageposted"},
    {event_kind::channel_message_posted, "channel-message-posted", "channelmessageposted"},
    {event_kind::store_item_purchased, "store-item-purchased", "storeitempurchased"},
}};

// Row i names the kind whose value is i, and every kind has its row.
static_assert([] {
  for (std::size_t i = 0; i < events.size(); ++i)
    if (static_cast<std::size_t>(events[i].kind) != i) return false;
  return true;
}());

constexpr auto kinds = [] {
  std::array<event_kind, events.size()> out{};
  for (std::size_t i = 0; i < events.size(); ++i) out[i] = events[i].kind;
  return out;
}();

// Longer field values cannot name an event; refusing them early bounds the work.
constexpr std::size_t max_field_length = 64;
constexpr std::size_t max_normalized_length = 32;

}  // namespace

std::span<const event_kind> all_event_kinds() noexcept {
  return kinds;
}

std::string_view event_name(event_kind e) noexcept {
  for (const auto& ev : events) {
    if (ev.kind == e) return ev.canonical;
  }
  return "unknown";
}

std::optional<event_kind> event_from_path(std::string_view segment) noexcept {
  for (const auto& ev : events) {
    if (ev.canonical == segment) return ev.kind;
  }
  return std::nullopt;
}

std::optional<event_kind> event_from_field(std::string_view value) noexcept {
  if (value.empty() || value.size() > max_field_length) return std::nullopt;
  // Fold every accepted spelling (kebab, snake, UPPER_SNAKE, dotted, camelCase,
  // PascalCase) onto one form: ASCII letters lowercased, '-', '_' and '.' dropped.
  std::array<char, max_normalized_length> buf;
  std::size_t n = 0;
  for (const char c : value) {
    if (c == '-' || c == '_' || c == '.') continue;
    char folded;
    if (c >= 'a' && c <= 'z') {
      folded = c;
    } else if (c >= 'A' && c <= 'Z') {
      folded = static_cast<char>(c - 'A' + 'a');
    } else {
      return std::nullopt;
    }
    if (n == buf.size()) return std::nullopt;
    buf[n++] = folded;
  }
  const std::string_view normalized(buf.data(), n);
  for (const auto& ev : events) {
    if (ev.normalized == normalized) return ev.kind;
  }
  return std::nullopt;
}

}  // namespace rai::handlers
