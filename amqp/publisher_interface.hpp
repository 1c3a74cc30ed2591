#pragma once

// The publishing side of amqp/ as the rest of the gateway sees it: publish a
// message and learn, exactly once, how it settled. amqp::publisher (one
// connection on its own thread) is the product's implementation; tests and
// the benchmark's sink gateway supply fakes.

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "amqp/message.hpp"

namespace rai::amqp {

struct publisher_stats {
  // Completions by publish_status (index = the enum's value).
  std::array<std::uint64_t, publish_status_count> results{};
  std::uint64_t in_flight = 0;   // accepted and not yet completed
  std::uint64_t reconnects = 0;  // connections lost and made again
  // Connections that came up on another node of amqp.urls than the previous one.
  std::uint64_t failovers = 0;
  std::string node;  // "host:port" of the node connected to; "" while not connected
};

// What the services publish through (webhook_service, outbound_sender,
// admin_service, the spool's forwarder). One virtual call per publish.
class message_publisher {
 public:
  using completion = std::function<void(publish_status)>;

  virtual ~message_publisher() = default;

  // Thread-safe and never blocks on the network. `done` is called exactly
  // once, on any thread: with `confirmed` once the broker holds the message
  // durably, otherwise with why it is not (nacked, returned, or lost:
  // unavailable, connection_lost, overloaded, timed_out). It may run before
  // publish() returns (a publish refused up front).
  virtual void publish(message&& m, completion done) = 0;

  // True while publishes can be confirmed (readiness).
  virtual bool connected() const noexcept = 0;

  // For /metrics: every implementation counts its completions.
  virtual publisher_stats stats() const = 0;

 protected:
  message_publisher() = default;
  message_publisher(const message_publisher&) = default;
  message_publisher& operator=(const message_publisher&) = default;
};

// A publisher together with its lifecycle, as its owner (the gateway app)
// drives it. The services only ever see message_publisher.
class managed_publisher : public message_publisher {
 public:
  // Begins accepting publishes (the real one connects, and keeps
  // reconnecting, on its own thread).
  virtual void start() = 0;
  // Refuses new publishes and settles every accepted one before returning
  // (their completions have all run). Idempotent; never from a completion.
  virtual void stop() = 0;
  // Calls `ready` once, on any thread, the first time publishes can be
  // confirmed (right away when they already can); dropped uncalled by stop().
  // What readiness (systemd's READY=1) waits for, without polling.
  virtual void when_connected(std::function<void()> ready) = 0;
};

}  // namespace rai::amqp
