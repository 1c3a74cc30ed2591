#pragma once

// Internal: the pieces of a rabbitmq-c connection thread's loop shared by the
// publisher and the outbound consumer: an eventfd wake-up, jittered
// exponential reconnect backoff, and waiting for the socket or a wake-up.

#include <amqp.h>

#include <string>
#include <string_view>

#include <spdlog/spdlog.h>

#include "amqp/backoff.hpp"
#include "amqp/detail/amqp.hpp"
#include "amqp/node_ring.hpp"

#include <atomic>
#include <chrono>
#include <random>

namespace rai::amqp::detail {

using loop_clock = std::chrono::steady_clock;

// ceil(d) in whole milliseconds for poll(); 0 when d is not positive.
int poll_ms(loop_clock::duration d) noexcept;

// An eventfd other threads write to wake the connection thread. Throws
// std::system_error if the eventfd cannot be created (startup only).
class wake_event {
 public:
  wake_event();
  ~wake_event();
  wake_event(const wake_event&) = delete;
  wake_event& operator=(const wake_event&) = delete;

  void signal() noexcept;  // any thread
  void drain() noexcept;   // the connection thread, before looking for work
  int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

// Sleeps for `d`, waking early only once `stop` is set (a wake-up without it
// clears the eventfd and sleeps on).
void sleep_unless_stopped(wake_event& wake, std::chrono::milliseconds d,
                          const std::atomic<bool>& stop) noexcept;

// How often the loop must read frames so rabbitmq-c, which sends and checks
// heartbeats inside the frame read, keeps them serviced: half the negotiated
// heartbeat, between 100 ms and 1 s (1 s without heartbeats).
loop_clock::duration service_interval(amqp_connection_state_t c) noexcept;

// Waits up to `timeout` until the socket is readable or, when `wake` is not
// null, the wake-up is signalled. Returns at once when rabbitmq-c already
// holds unread frames or bytes.
void wait_for_io(amqp_connection_state_t c, const wake_event* wake,
                 loop_clock::duration timeout) noexcept;

// The connection thread's outer loop, until `stop`: connect(url) -> result<>
// to the ring's current node; on success serve() runs until the connection
// ends and returns why ("" when stopping). After a failed connect or a lost
// connection the ring moves to the next node and the thread waits a growing,
// jittered backoff (cut short by stop); a successful connect resets it, so
// the first retry after a loss is quick.
template <class Connect, class Serve>
void run_reconnecting(std::string_view who, node_ring& nodes, wake_event& wake,
                      const std::atomic<bool>& stop, std::chrono::milliseconds backoff_min,
                      std::chrono::milliseconds backoff_max, Connect&& connect, Serve&& serve) {
  amqp::reconnect_backoff backoff(backoff_min, backoff_max);
  unsigned failures = 0;
  while (!stop.load()) {
    if (const result<> connected = connect(nodes.url()); !connected) {
      ++failures;
      const auto delay = backoff.next();
      const std::string& failed = nodes.url_for_logs();
      nodes.next();
      if (nodes.size() == 1) {
        spdlog::warn("amqp {}: cannot connect to {}: {} (attempt {}, next in {} ms)", who, failed,
                     connected.error().text, failures, delay.count());
      } else {
        spdlog::warn("amqp {}: cannot connect to {}: {}; failing over to {} (attempt {}, in {} ms)",
                     who, failed, connected.error().text, nodes.describe(), failures,
                     delay.count());
      }
      sleep_unless_stopped(wake, delay, stop);
      continue;
    }
    failures = 0;
    backoff.reset();
    nodes.connected();
    const std::string why = serve();
    nodes.disconnected();
    if (stop.load()) break;
    const auto delay = backoff.next();
    const std::string& lost = nodes.url_for_logs();
    nodes.next();
    if (nodes.size() > 1) {
      spdlog::warn("amqp {}: failing over from {} to {} in {} ms: {}", who, lost, nodes.describe(),
                   delay.count(), why);
    }
    sleep_unless_stopped(wake, delay, stop);
  }
}

// Reads the frames that are already available (never blocks), at most
// `max_frames`, handing each to `handle(frame) -> step<>`; the first failure
// stops the read and is returned. A socket error is a broken connection.
// Releases rabbitmq-c's buffers afterwards (it only does so when no frame is
// queued).
template <class Handler>
step<> read_available_frames(amqp_connection_state_t c, int max_frames, Handler&& handle) {
  for (int i = 0; i < max_frames; ++i) {
    amqp_frame_t frame;
    timeval zero{0, 0};
    const int rc = amqp_simple_wait_frame_noblock(c, &frame, &zero);
    if (rc == AMQP_STATUS_TIMEOUT) break;
    if (rc != AMQP_STATUS_OK) return failure{close_state::broken, amqp_error_string2(rc)};
    if (step<> handled = handle(frame); !handled) return handled;
  }
  amqp_maybe_release_buffers(c);
  return {};
}

}  // namespace rai::amqp::detail
