#include "bench/confirm_ring.hpp"

#include <algorithm>
#include <bit>

namespace rai::bench {

confirm_ring::confirm_ring(std::size_t window)
    : window_(std::max<std::size_t>(1, window)),
      slots_(std::bit_ceil(window_)),
      mask_(slots_.size() - 1) {}

void confirm_ring::sent(clock::time_point at_time) noexcept {
  slot& s = at(next_);
  s.at = at_time;
  s.pending = true;
  ++next_;
}

std::size_t confirm_ring::settle(std::uint64_t tag, bool multiple, clock::time_point now,
                                 std::vector<std::uint64_t>& latencies) noexcept {
  std::size_t settled = 0;
  const auto settle_one = [&](slot& s) {
    if (!s.pending) return;
    s.pending = false;
    const auto waited = std::chrono::duration_cast<std::chrono::nanoseconds>(now - s.at);
    latencies.push_back(waited.count() > 0 ? static_cast<std::uint64_t>(waited.count()) : 0);
    ++settled;
  };
  if (tag < low_ || tag >= next_) return 0;  // already settled, or never sent
  if (multiple) {
    for (std::uint64_t t = low_; t <= tag; ++t) settle_one(at(t));
  } else {
    settle_one(at(tag));
  }
  while (low_ < next_ && !at(low_).pending) ++low_;
  return settled;
}

}  // namespace rai::bench
