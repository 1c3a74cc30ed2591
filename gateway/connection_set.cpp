#include "gateway/connection_set.hpp"

#include <vector>

namespace rai::gateway {

std::uint64_t connection_set::add(std::shared_ptr<connection_state> c) {
  std::lock_guard lock(mu_);
  const auto id = next_id_++;
  open_.emplace(id, std::move(c));
  return id;
}

void connection_set::remove(std::uint64_t id) {
  std::lock_guard lock(mu_);
  open_.erase(id);
}

std::size_t connection_set::size() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

void connection_set::drain() {
  // Set before posting: a session that checks the flag after this sees it; one
  // that checked before is already waiting when the posted close runs.
  draining_.store(true, std::memory_order_release);
  std::vector<std::shared_ptr<connection_state>> all;
  {
    std::lock_guard lock(mu_);
    all.reserve(open_.size());
    for (const auto& [id, c] : open_) all.push_back(c);
  }
  for (auto& c : all)
    net::post(c->executor, [c] {
      if (!c->idle || !c->socket) return;
      // A request already in the socket buffer arrived before the drain: its
      // pending read completes and it is served (then the connection closes).
      beast::error_code ec;
      if (c->socket->available(ec) > 0 && !ec) return;
      c->socket->cancel(ec);
    });
}

}  // namespace rai::gateway
