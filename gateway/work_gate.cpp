#include "gateway/work_gate.hpp"

namespace rai::gateway {

std::optional<work_gate::ticket> work_gate::try_enter() noexcept {
  if (closed_.load()) return std::nullopt;
  in_flight_.fetch_add(1);
  ticket t(*this);  // leaves again below if the gate closed meanwhile
  if (closed_.load()) return std::nullopt;
  return std::optional<ticket>(std::move(t));
}

void work_gate::close() noexcept {
  closed_.store(true);
}

void work_gate::leave() noexcept {
  if (in_flight_.fetch_sub(1) != 1 || !closed_.load()) return;
  // Taking the lock orders this wake-up after the waiter's check of
  // in_flight_: it either saw 0 already or is waiting and gets the notify.
  std::lock_guard lock(mutex_);
  drained_.notify_all();
}

bool work_gate::wait_drained(std::chrono::steady_clock::time_point deadline) {
  close();
  std::unique_lock lock(mutex_);
  return drained_.wait_until(lock, deadline, [this] { return in_flight_.load() == 0; });
}

}  // namespace rai::gateway
