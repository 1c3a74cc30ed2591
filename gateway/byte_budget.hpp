#pragma once

#include <atomic>
#include <cstdint>

namespace rai::gateway {

// A shared cap on bytes held at once (request bodies across all connections),
// so memory stays bounded under overload: a body takes from it as its bytes
// arrive, and one that does not fit is refused at once instead of queueing.
// Lock-free; thread-safe.
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
  std::uint64_t available() const noexcept { return capacity_ - used(); }

 private:
  const std::uint64_t capacity_;
  std::atomic<std::uint64_t> used_{0};
};

// One body's share of a budget, grown as the body grows and given back when
// it goes out of scope. Without a budget every hold succeeds.
class byte_reservation {
 public:
  explicit byte_reservation(byte_budget* b) noexcept : budget_(b) {}
  byte_reservation(const byte_reservation&) = delete;
  byte_reservation& operator=(const byte_reservation&) = delete;
  ~byte_reservation() {
    if (budget_) budget_->give_back(bytes_);
  }

  // Holds at least n bytes in all, taking the difference; false (holding what
  // it held) when the budget has not that much left.
  bool hold(std::uint64_t n) noexcept {
    if (!budget_ || n <= bytes_) return true;
    if (!budget_->try_take(n - bytes_)) return false;
    bytes_ = n;
    return true;
  }
  std::uint64_t held() const noexcept { return bytes_; }

 private:
  byte_budget* budget_ = nullptr;
  std::uint64_t bytes_ = 0;
};

}  // namespace rai::gateway
