#pragma once

// Publisher-confirm bookkeeping for a pipelined window: delivery tags count
// from 1 per channel after confirm.select; basic.ack / basic.nack settle one
// tag, or with `multiple` every tag up to it. A ring of `window` slots (the
// next power of two) holds the send time of each unsettled tag, so settling
// is O(1) per message and records the publish → confirm latency.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace rai::bench {

class confirm_ring {
 public:
  using clock = std::chrono::steady_clock;

  explicit confirm_ring(std::size_t window);

  // The tag the next publish gets.
  std::uint64_t next_tag() const noexcept { return next_; }
  // Tags sent and not yet settled, counted from the oldest unsettled one.
  std::uint64_t outstanding() const noexcept { return next_ - low_; }
  std::size_t window() const noexcept { return window_; }

  // Records the publish of next_tag() at `at`. Call only while
  // outstanding() < window().
  void sent(clock::time_point at) noexcept;

  // Settles `tag` (and every unsettled tag below it when `multiple`).
  // Returns how many were settled; appends their latencies (ns) to `latencies`.
  std::size_t settle(std::uint64_t tag, bool multiple, clock::time_point now,
                     std::vector<std::uint64_t>& latencies) noexcept;

 private:
  struct slot {
    clock::time_point at{};
    bool pending = false;
  };
  slot& at(std::uint64_t tag) noexcept { return slots_[tag & mask_]; }

  std::size_t window_;
  std::vector<slot> slots_;
  std::uint64_t mask_;
  std::uint64_t low_ = 1;   // oldest unsettled tag (== next_ when none)
  std::uint64_t next_ = 1;  // tag of the next publish
};

}  // namespace rai::bench
