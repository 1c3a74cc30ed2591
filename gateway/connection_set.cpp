#include "gateway/connection_set.hpp"

#include <vector>

namespace rai::gateway {
namespace {

// Run on the connection's executor: a waiting read is cancelled and the
// session ends. Not when a request's bytes are already in the socket buffer:
// that request arrived first and is served.
void close_if_still_idle(connection_state& c) {
  if (!c.idle || !c.socket) return;
  beast::error_code ec;
  if (c.socket->available(ec) > 0 && !ec) return;
  c.socket->cancel(ec);
}

}  // namespace

std::shared_ptr<connection_state> connection_set::add(net::any_io_executor executor) {
  auto c = std::make_shared<connection_state>();
  c->executor = std::move(executor);
  std::lock_guard lock(mu_);
  c->id_ = next_id_++;
  open_.emplace(c->id_, c);
  queue_idle(*c);
  return c;
}

void connection_set::remove(connection_state& c) {
  std::lock_guard lock(mu_);
  unqueue(c);
  open_.erase(c.id_);
}

void connection_set::unqueue(connection_state& c) {
  if (!c.queued_) return;
  (c.older_ ? c.older_->newer_ : oldest_idle_) = c.newer_;
  (c.newer_ ? c.newer_->older_ : newest_idle_) = c.older_;
  c.older_ = c.newer_ = nullptr;
  c.queued_ = false;
  --idle_count_;
}

void connection_set::queue_idle(connection_state& c) {
  c.idle = true;
  c.older_ = newest_idle_;
  (newest_idle_ ? newest_idle_->newer_ : oldest_idle_) = &c;
  newest_idle_ = &c;
  c.queued_ = true;
  ++idle_count_;
}

void connection_set::set_idle(connection_state& c, bool idle) {
  c.idle = idle;
  std::lock_guard lock(mu_);
  unqueue(c);
  if (idle) queue_idle(c);
}

bool connection_set::close_oldest_idle() {
  std::shared_ptr<connection_state> victim;
  {
    std::lock_guard lock(mu_);
    if (!oldest_idle_) return false;
    connection_state& c = *oldest_idle_;
    unqueue(c);
    victim = open_.at(c.id_);
  }
  net::post(victim->executor, [victim] { close_if_still_idle(*victim); });
  return true;
}

std::size_t connection_set::idle_count() const {
  std::lock_guard lock(mu_);
  return idle_count_;
}

void connection_set::drain() {
  // Closed before posting: a session that checks draining() after this sees
  // it; one that checked before is already waiting when the posted close runs.
  sessions_.close();
  std::vector<std::shared_ptr<connection_state>> all;
  {
    std::lock_guard lock(mu_);
    all.reserve(open_.size());
    for (const auto& [id, c] : open_) all.push_back(c);
  }
  for (auto& c : all) net::post(c->executor, [c] { close_if_still_idle(*c); });
}

}  // namespace rai::gateway
