#include "tools/confirm_window.hpp"

#include <algorithm>

namespace rai::tool {

void confirm_window::add(std::uint64_t seq, std::string message_id) {
  entries_.push_back({seq, std::move(message_id)});
}

void confirm_window::settle(std::uint64_t seq, bool multiple, bool acked) noexcept {
  for (entry& e : entries_) {
    if (e.settled) continue;
    if (e.seq == seq || (multiple && e.seq < seq)) {
      e.settled = true;
      e.acked = acked;
    }
  }
}

void confirm_window::ack(std::uint64_t seq, bool multiple) noexcept {
  settle(seq, multiple, true);
}

void confirm_window::nack(std::uint64_t seq, bool multiple) noexcept {
  settle(seq, multiple, false);
}

void confirm_window::returned(std::string_view message_id) noexcept {
  for (entry& e : entries_) {
    if (!e.settled && !e.returned && e.message_id == message_id) {
      e.returned = true;
      return;
    }
  }
}

bool confirm_window::settled() const noexcept {
  return std::all_of(entries_.begin(), entries_.end(), [](const entry& e) { return e.settled; });
}

confirm_state confirm_window::state(std::size_t i) const noexcept {
  const entry& e = entries_[i];
  if (!e.settled) return confirm_state::pending;
  if (e.returned) return confirm_state::returned;
  return e.acked ? confirm_state::confirmed : confirm_state::nacked;
}

}  // namespace rai::tool
