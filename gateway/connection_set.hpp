#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "gateway/net.hpp"

namespace rai::gateway {

// What a listener knows of one of its connections. The session touches it
// only on its own executor (worker or strand); drain() reaches it by posting
// there.
struct connection_state {
  net::any_io_executor executor;
  tcp::socket* socket = nullptr;  // null once the session is over
  bool idle = false;              // waiting for the first byte of a request
};

// The connections of one listener, so a graceful stop can close the idle ones
// at once and let busy ones close after their current response.
class connection_set {
 public:
  std::uint64_t add(std::shared_ptr<connection_state> c);
  void remove(std::uint64_t id);

  // From now on every response closes its connection; idle ones close now.
  void drain();
  bool draining() const noexcept { return draining_.load(std::memory_order_acquire); }
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, std::shared_ptr<connection_state>> open_;
  std::uint64_t next_id_ = 0;
  std::atomic<bool> draining_{false};
};

}  // namespace rai::gateway
