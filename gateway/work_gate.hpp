#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <utility>

namespace rai::gateway {

// Counts the work in flight (connections, deliveries) and lets a stopping
// thread wait for it to end, as Seastar's gate does: work enters and gets a
// ticket, which leaves when destroyed; once the gate is closed nothing more
// enters, and wait_drained() returns as soon as the last ticket leaves,
// woken by that leave (no polling). Entering and leaving are one atomic add
// each; only a leave that empties a closed gate takes the lock, to wake the
// waiter. Thread-safe. Every ticket must be gone before the gate is destroyed.
class work_gate {
 public:
  class ticket {
   public:
    ticket(ticket&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
    ticket& operator=(ticket&& other) noexcept {
      if (this != &other) {
        if (gate_) gate_->leave();
        gate_ = std::exchange(other.gate_, nullptr);
      }
      return *this;
    }
    ticket(const ticket&) = delete;
    ticket& operator=(const ticket&) = delete;
    ~ticket() {
      if (gate_) gate_->leave();
    }

   private:
    friend class work_gate;
    explicit ticket(work_gate& gate) noexcept : gate_(&gate) {}
    work_gate* gate_;
  };

  work_gate() = default;
  work_gate(const work_gate&) = delete;
  work_gate& operator=(const work_gate&) = delete;

  // A ticket, or nullopt once the gate is closed.
  std::optional<ticket> try_enter() noexcept;

  // From now on try_enter() refuses. Idempotent.
  void close() noexcept;
  bool closed() const noexcept { return closed_.load(); }

  // Tickets not yet destroyed.
  std::size_t in_flight() const noexcept { return in_flight_.load(std::memory_order_relaxed); }

  // Closes the gate, then blocks until no ticket is left (true) or until
  // `deadline` (false: work is still in flight). Never from a thread that
  // runs the work it waits for.
  bool wait_drained(std::chrono::steady_clock::time_point deadline);

 private:
  void leave() noexcept;

  // Sequentially consistent (the defaults): try_enter adds then reads closed_,
  // close() sets closed_ then the waiter reads in_flight_, so either the
  // entrant sees the gate closed and backs out, or the waiter sees it counted.
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<bool> closed_{false};
  std::mutex mutex_;  // only for the wake-up of wait_drained
  std::condition_variable drained_;
};

}  // namespace rai::gateway
