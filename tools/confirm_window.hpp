#pragma once

// Publisher confirms for the replays in flight on one channel, in publish
// order. Each publish has a sequence number (1, 2, ... per channel after
// confirm.select); basic.ack / basic.nack settle it (with `multiple`, every
// one up to that number); a basic.return (mandatory, no route) precedes the
// ack of the returned message and marks it returned, which is not a success.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rai::tool {

enum class confirm_state { pending, confirmed, nacked, returned };

class confirm_window {
 public:
  // Adds the publish with sequence number `seq` (increasing) and its message_id.
  void add(std::uint64_t seq, std::string message_id);
  void ack(std::uint64_t seq, bool multiple) noexcept;
  void nack(std::uint64_t seq, bool multiple) noexcept;
  // Marks the oldest pending, not yet returned publish with this message_id.
  void returned(std::string_view message_id) noexcept;

  std::size_t size() const noexcept { return entries_.size(); }
  bool settled() const noexcept;  // nothing pending
  // The state of the i-th publish added (0-based).
  confirm_state state(std::size_t i) const noexcept;
  void clear() noexcept { entries_.clear(); }

 private:
  struct entry {
    std::uint64_t seq;
    std::string message_id;
    bool settled = false;
    bool acked = false;
    bool returned = false;
  };
  void settle(std::uint64_t seq, bool multiple, bool acked) noexcept;
  std::vector<entry> entries_;
};

}  // namespace rai::tool
