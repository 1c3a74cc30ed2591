#pragma once

// A message_publisher for unit tests and the HTTP fuzzer: it records every
// publish and settles each with whatever publish_status the test chooses,
// either inside publish() (settle_at_once) or later, from any thread
// (settle). Like the real publisher it refuses with `unavailable` while not
// connected, and stop() settles what is still pending with connection_lost.
// A long-running user (the HTTP fuzzer) can stop it keeping what settled at
// once (keep_settled(false)); it then only counts those.

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "amqp/publisher_interface.hpp"

namespace rai::test {

class fake_publisher final : public amqp::managed_publisher {
 public:
  fake_publisher() = default;
  // Every publish settles at once with `status`.
  explicit fake_publisher(amqp::publish_status status) : at_once_(status) {}

  // From now on: every publish settles inside publish() with `status`
  // (nullopt: held until settle()).
  void settle_at_once(std::optional<amqp::publish_status> status) {
    std::lock_guard lock(mu_);
    at_once_ = status;
  }

  // false: a publish settled inside publish() is counted but not kept.
  void keep_settled(bool keep) {
    std::lock_guard lock(mu_);
    keep_settled_ = keep;
  }

  void start() override { set_connected(true); }
  void stop() override {
    std::vector<completion> lost;
    {
      std::lock_guard lock(mu_);
      connected_ = false;
      for (entry& e : entries_) {
        if (e.status) continue;
        if (completion done = settle_locked(e, amqp::publish_status::connection_lost))
          lost.push_back(std::move(done));
      }
    }
    for (completion& done : lost) done(amqp::publish_status::connection_lost);
  }

  void publish(amqp::message&& m, completion done) override {
    std::optional<amqp::publish_status> now;
    {
      std::lock_guard lock(mu_);
      ++publishes_;
      now = connected_ ? at_once_ : amqp::publish_status::unavailable;
      if (now && !keep_settled_) {
        ++results_[static_cast<std::size_t>(*now)];
      } else {
        entries_.push_back({std::move(m), std::move(done), std::nullopt});
        if (now) done = settle_locked(entries_.back(), *now);
      }
    }
    changed_.notify_all();
    if (now && done) done(*now);
  }

  bool connected() const noexcept override {
    std::lock_guard lock(mu_);
    return connected_;
  }
  void set_connected(bool up) {
    std::vector<std::function<void()>> ready;
    {
      std::lock_guard lock(mu_);
      connected_ = up;
      if (up) ready.swap(when_connected_);
    }
    for (auto& f : ready) f();
  }

  void when_connected(std::function<void()> ready) override {
    {
      std::lock_guard lock(mu_);
      if (!connected_) {
        when_connected_.push_back(std::move(ready));
        return;
      }
    }
    ready();
  }

  amqp::publisher_stats stats() const override {
    std::lock_guard lock(mu_);
    amqp::publisher_stats s;
    s.results = results_;
    for (const entry& e : entries_) s.in_flight += e.status ? 0 : 1;
    return s;
  }

  // How many publish() calls so far (settled or not).
  std::size_t published() const {
    std::lock_guard lock(mu_);
    return publishes_;
  }
  // Published and not yet settled.
  std::size_t pending() const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const entry& e : entries_) n += e.status ? 0 : 1;
    return n;
  }
  // A copy of the i-th published message (0-based, in publish order).
  amqp::message message(std::size_t i) const {
    std::lock_guard lock(mu_);
    return entries_.at(i).msg;
  }
  // How the i-th publish settled; nullopt while pending.
  std::optional<amqp::publish_status> status(std::size_t i) const {
    std::lock_guard lock(mu_);
    return entries_.at(i).status;
  }

  // Waits (bounded) until at least n publishes were made.
  bool wait_for_published(std::size_t n,
                          std::chrono::milliseconds limit = std::chrono::seconds(5)) const {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, limit, [&] { return publishes_ >= n; });
  }

  // Settles the i-th publish, which must be pending; its completion runs on
  // this thread.
  void settle(std::size_t i, amqp::publish_status status) {
    completion done;
    {
      std::lock_guard lock(mu_);
      entry& e = entries_.at(i);
      if (e.status) throw std::logic_error("fake_publisher: publish settled twice");
      done = settle_locked(e, status);
    }
    if (done) done(status);
  }

 private:
  struct entry {
    amqp::message msg;
    completion done;  // empty once settled
    std::optional<amqp::publish_status> status;
  };

  completion settle_locked(entry& e, amqp::publish_status status) {
    e.status = status;
    ++results_[static_cast<std::size_t>(status)];
    return std::exchange(e.done, nullptr);
  }

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::vector<entry> entries_;  // in publish order (all of them while keep_settled_)
  std::size_t publishes_ = 0;
  std::array<std::uint64_t, amqp::publish_status_count> results_{};
  std::optional<amqp::publish_status> at_once_;
  bool keep_settled_ = true;
  bool connected_ = true;
  std::vector<std::function<void()>> when_connected_;
};

}  // namespace rai::test
