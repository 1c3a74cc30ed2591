#pragma once

// A message_consumer for unit tests: records every ack and reject, in order,
// and lets a test wait for them. It hands out no deliveries itself: the test
// gives them to the code under test directly.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "amqp/consumer_interface.hpp"

namespace rai::test {

class fake_consumer final : public amqp::message_consumer {
 public:
  struct settle {
    bool acked = false;  // false: rejected
    std::uint64_t generation = 0;
    std::uint64_t tag = 0;
    bool requeue = false;  // rejects only
  };

  void ack(std::uint64_t generation, std::uint64_t tag) override {
    record({true, generation, tag, false});
  }
  void reject(std::uint64_t generation, std::uint64_t tag, bool requeue) override {
    record({false, generation, tag, requeue});
  }

  bool connected() const noexcept override { return true; }
  amqp::consumer_stats stats() const noexcept override {
    std::lock_guard lock(mu_);
    amqp::consumer_stats s;
    for (const settle& x : settles_) ++(x.acked ? s.acked : s.rejected);
    return s;
  }

  std::vector<settle> settles() const {
    std::lock_guard lock(mu_);
    return settles_;
  }
  // Waits (bounded) until at least n settles were made.
  bool wait_for_settles(std::size_t n,
                        std::chrono::milliseconds limit = std::chrono::seconds(5)) const {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, limit, [&] { return settles_.size() >= n; });
  }

 private:
  void record(const settle& s) {
    {
      std::lock_guard lock(mu_);
      settles_.push_back(s);
    }
    changed_.notify_all();
  }

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::vector<settle> settles_;
};

}  // namespace rai::test
