#pragma once

// The sink phase's publisher (bench/run, phase `sink`): every publish is
// confirmed at once, on the caller's thread, and the message dropped, so the
// benchmark measures the gateway's own cost (HTTP, auth, decrypt, parse,
// dedupe, the service's publish path) without a broker. Never in the product:
// only rai-bench-gateway (sink_gateway_main.cpp) uses it.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "amqp/publisher_interface.hpp"

namespace rai::bench {

class confirming_publisher final : public amqp::managed_publisher {
 public:
  void start() override { running_.store(true); }
  // Nothing is ever outstanding: every completion ran inside its publish().
  void stop() override { running_.store(false); }

  // The message stays with the caller, which drops it.
  void publish(amqp::message&&, completion done) override {
    const auto status =
        running_.load() ? amqp::publish_status::confirmed : amqp::publish_status::unavailable;
    results_[static_cast<std::size_t>(status)].fetch_add(1, std::memory_order_relaxed);
    if (done) done(status);
  }

  bool connected() const noexcept override { return running_.load(); }
  // The app starts the publisher before anything waits for it to be ready.
  void when_connected(std::function<void()> ready) override {
    if (running_.load()) ready();
  }

  amqp::publisher_stats stats() const override {
    amqp::publisher_stats s;
    for (std::size_t i = 0; i < s.results.size(); ++i)
      s.results[i] = results_[i].load(std::memory_order_relaxed);
    return s;
  }

 private:
  std::atomic<bool> running_{false};
  std::array<std::atomic<std::uint64_t>, amqp::publish_status_count> results_{};
};

}  // namespace rai::bench
