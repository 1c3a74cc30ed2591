#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amqp/message.hpp"

namespace rai::amqp {

// Bookkeeping of publisher confirms on one channel, with no I/O: the
// publisher thread feeds it the frames it reads and the current time.
//
// Delivery tags count from 1 per channel; entries live in a deque indexed by
// `tag - base_tag_`, so add, ack and nack are O(1) (a `multiple` ack is
// O(settled)). Settled entries in the middle stay as tombstones until
// everything before them is settled. Settled completions are collected and
// handed out by take_settled(), so the caller runs them outside its locks,
// in one batch per frame read. Not thread-safe: one owner.
class confirm_tracker {
 public:
  using clock = std::chrono::steady_clock;
  using completion = std::function<void(publish_status)>;

  struct settled {
    completion done;
    publish_status status;
  };

  // Records the next publish on the channel and returns its delivery tag.
  // `deadline` must not go backwards between calls (publish order).
  std::uint64_t add(completion done, std::string message_id, std::string exchange,
                    std::string routing_key, clock::time_point deadline);

  // basic.ack: the job settles as `returned` if a basic.return matched it
  // before, else `confirmed`. Unknown or already settled tags are ignored.
  void ack(std::uint64_t delivery_tag, bool multiple);
  // basic.nack: settles as `nacked`.
  void nack(std::uint64_t delivery_tag, bool multiple);
  // basic.return: marks the oldest unsettled, not yet returned job with this
  // message id, exchange and routing key; its ack (which the broker sends
  // after the return) then settles it as `returned`. False if none matched.
  bool mark_returned(std::string_view message_id, std::string_view exchange,
                     std::string_view routing_key);
  // Settles every job whose deadline is <= now as `timed_out`; a later ack or
  // nack for it is ignored.
  void expire(clock::time_point now);
  // Settles every unsettled job with `status` (the channel is gone) and starts
  // the tag sequence of the next channel at 1.
  void reset(publish_status status);

  std::size_t pending() const noexcept { return pending_; }
  std::uint64_t next_tag() const noexcept { return base_tag_ + slots_.size(); }
  // Deadline of the oldest unsettled job, if any.
  std::optional<clock::time_point> next_deadline() const;

  bool has_settled() const noexcept { return !settled_.empty(); }
  std::vector<settled> take_settled();

 private:
  struct entry {
    completion done;
    std::string message_id;
    std::string exchange;
    std::string routing_key;
    clock::time_point deadline;
    bool returned = false;
    bool open = true;  // not settled yet
  };

  void settle(entry& e, publish_status status);
  void settle_up_to(std::uint64_t delivery_tag, bool multiple, bool positive);
  void drop_settled_front();

  std::deque<entry> slots_;
  std::uint64_t base_tag_ = 1;  // delivery tag of slots_.front()
  std::size_t pending_ = 0;
  std::vector<settled> settled_;
};

}  // namespace rai::amqp
