#pragma once

#include <atomic>
#include <cstdint>

namespace rai::gateway {

// A shared cap on bytes held at once (request bodies across all connections),
// so memory stays bounded under overload: a request that does not fit is
// refused at once instead of queueing. Lock-free; thread-safe.
class byte_budget {
 public:
  explicit byte_budget(std::uint64_t capacity) : capacity_(capacity) {}

  bool try_take(std::uint64_t n) noexcept {
    auto used = used_.load(std::memory_order_relaxed);
    do {
      if (n > capacity_ - used) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }
  void give_back(std::uint64_t n) noexcept { used_.fetch_sub(n, std::memory_order_relaxed); }
  std::uint64_t used() const noexcept { return used_.load(std::memory_order_relaxed); }

 private:
  const std::uint64_t capacity_;
  std::atomic<std::uint64_t> used_{0};
};

// Holds a share of a budget for one scope.
class byte_reservation {
 public:
  byte_reservation() = default;
  byte_reservation(byte_budget& b, std::uint64_t n) : budget_(&b), bytes_(n) {}
  byte_reservation(const byte_reservation&) = delete;
  byte_reservation& operator=(const byte_reservation&) = delete;
  ~byte_reservation() {
    if (budget_) budget_->give_back(bytes_);
  }

 private:
  byte_budget* budget_ = nullptr;
  std::uint64_t bytes_ = 0;
};

}  // namespace rai::gateway
