#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "gateway/work_gate.hpp"
#include "http/net.hpp"

namespace rai::gateway {

// What a listener knows of one of its connections. The session touches
// `socket` and `idle` only on its own executor (worker or strand); the set
// reaches them by posting there. The links are the set's, under its mutex.
struct connection_state {
  net::any_io_executor executor;
  tcp::socket* socket = nullptr;  // null once the session is over
  bool idle = false;  // waiting for a request: its first byte, or the next on keep-alive

 private:
  friend class connection_set;
  std::uint64_t id_ = 0;
  bool queued_ = false;  // in the set's idle queue
  connection_state* older_ = nullptr;
  connection_state* newer_ = nullptr;
};

// The connections of one listener: a graceful stop closes the idle ones at
// once, lets busy ones close after their current response and waits for the
// last one to end; and a listener
// at its connection cap closes the connection idle the longest to make room
// for a new one. Idle means waiting for a request — a new connection's first
// byte, or the next request on keep-alive — never a request in progress. The
// idle queue is ordered by when each connection became idle (an intrusive
// list: set_idle and remove are O(1), no allocation).
class connection_set {
 public:
  // Counts a new connection open until the ticket is destroyed (its session
  // holds it to the end); nullopt once the set drains: the listener closes it.
  std::optional<work_gate::ticket> admit() noexcept { return sessions_.try_enter(); }
  // Connections admitted whose session has not ended: the one count of them.
  std::size_t open_count() const noexcept { return sessions_.in_flight(); }

  // A new connection, idle (waiting for its first byte) from now on: the
  // listener adds it when it accepts it, so the idle queue follows the accept
  // order. The session sets `socket` when it starts, and removes it at its end.
  std::shared_ptr<connection_state> add(net::any_io_executor executor);
  void remove(connection_state& c);

  // Called by the session on its executor when it starts (true) or stops
  // (false) waiting for a request.
  void set_idle(connection_state& c, bool idle);

  // Closes the connection idle the longest, unless a request's bytes reached
  // it meanwhile (then it stays, and is no longer idle). False when no
  // connection is idle.
  bool close_oldest_idle();

  // From now on every response closes its connection; idle ones close now,
  // and admit() refuses.
  void drain();
  bool draining() const noexcept { return sessions_.closed(); }
  // After drain(): true once every session has ended, false at `deadline`.
  bool wait_closed(std::chrono::steady_clock::time_point deadline) {
    return sessions_.wait_drained(deadline);
  }
  std::size_t idle_count() const;

 private:
  void queue_idle(connection_state& c);  // under mu_
  void unqueue(connection_state& c);     // under mu_

  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, std::shared_ptr<connection_state>> open_;
  std::uint64_t next_id_ = 0;
  connection_state* oldest_idle_ = nullptr;
  connection_state* newest_idle_ = nullptr;
  std::size_t idle_count_ = 0;
  work_gate sessions_;  // closed = draining
};

}  // namespace rai::gateway
