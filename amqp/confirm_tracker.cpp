#include "amqp/confirm_tracker.hpp"

#include <utility>

namespace rai::amqp {

std::uint64_t confirm_tracker::add(completion done, std::string message_id, std::string exchange,
                                   std::string routing_key, clock::time_point deadline) {
  const std::uint64_t tag = next_tag();
  slots_.push_back(entry{std::move(done), std::move(message_id), std::move(exchange),
                         std::move(routing_key), deadline});
  ++pending_;
  return tag;
}

void confirm_tracker::ack(std::uint64_t delivery_tag, bool multiple) {
  settle_up_to(delivery_tag, multiple, true);
}

void confirm_tracker::nack(std::uint64_t delivery_tag, bool multiple) {
  settle_up_to(delivery_tag, multiple, false);
}

void confirm_tracker::settle_up_to(std::uint64_t delivery_tag, bool multiple, bool positive) {
  if (delivery_tag < base_tag_ || slots_.empty()) return;  // already settled and dropped
  const std::uint64_t last = next_tag() - 1;
  if (delivery_tag > last) {
    // A tag we never sent: a broker bug or a stale channel. With `multiple`
    // it still covers everything we did send.
    if (!multiple) return;
    delivery_tag = last;
  }
  const std::size_t end = static_cast<std::size_t>(delivery_tag - base_tag_) + 1;
  const std::size_t begin = multiple ? 0 : end - 1;
  for (std::size_t i = begin; i < end; ++i) {
    entry& e = slots_[i];
    if (!e.open) continue;
    settle(e, positive ? (e.returned ? publish_status::returned : publish_status::confirmed)
                       : publish_status::nacked);
  }
  drop_settled_front();
}

bool confirm_tracker::mark_returned(std::string_view message_id, std::string_view exchange,
                                    std::string_view routing_key) {
  // Linear scan: returns are rare (a misrouted publish), and the returned job
  // is usually near the front.
  for (entry& e : slots_) {
    if (e.open && !e.returned && e.message_id == message_id && e.exchange == exchange &&
        e.routing_key == routing_key) {
      e.returned = true;
      return true;
    }
  }
  return false;
}

void confirm_tracker::expire(clock::time_point now) {
  while (!slots_.empty()) {
    entry& e = slots_.front();
    if (e.open) {
      if (e.deadline > now) break;
      settle(e, publish_status::timed_out);
    }
    slots_.pop_front();
    ++base_tag_;
  }
}

void confirm_tracker::reset(publish_status status) {
  for (entry& e : slots_) {
    if (e.open) settle(e, status);
  }
  slots_.clear();
  base_tag_ = 1;
}

std::optional<confirm_tracker::clock::time_point> confirm_tracker::next_deadline() const {
  // drop_settled_front() keeps the front unsettled.
  if (slots_.empty()) return std::nullopt;
  return slots_.front().deadline;
}

std::vector<confirm_tracker::settled> confirm_tracker::take_settled() {
  std::vector<settled> out;
  out.swap(settled_);
  return out;
}

void confirm_tracker::settle(entry& e, publish_status status) {
  settled_.push_back(settled{std::move(e.done), status});
  e.done = nullptr;
  e.open = false;
  --pending_;
  // Free the strings now; a tombstone may wait behind an older open job.
  std::string().swap(e.message_id);
  std::string().swap(e.exchange);
  std::string().swap(e.routing_key);
}

void confirm_tracker::drop_settled_front() {
  while (!slots_.empty() && !slots_.front().open) {
    slots_.pop_front();
    ++base_tag_;
  }
}

}  // namespace rai::amqp
