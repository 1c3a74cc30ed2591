#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <system_error>

#include "amqp/detail/loop.hpp"

namespace rai::amqp::detail {

namespace {

constexpr std::chrono::milliseconds k_max_service{1000};
constexpr std::chrono::milliseconds k_min_service{100};

}  // namespace

int poll_ms(loop_clock::duration d) noexcept {
  if (d <= loop_clock::duration::zero()) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(d).count());
}

wake_event::wake_event() {
  fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

wake_event::~wake_event() {
  if (fd_ >= 0) ::close(fd_);
}

void wake_event::signal() noexcept {
  const std::uint64_t one = 1;
  if (::write(fd_, &one, sizeof one) < 0) {
    // EAGAIN: the counter is saturated, so the thread is being woken anyway.
  }
}

void wake_event::drain() noexcept {
  std::uint64_t count = 0;
  if (::read(fd_, &count, sizeof count) < 0) {
    // EAGAIN: nothing to clear.
  }
}

void sleep_unless_stopped(wake_event& wake, std::chrono::milliseconds d,
                          const std::atomic<bool>& stop) noexcept {
  const auto until = loop_clock::now() + d;
  while (!stop.load()) {
    const auto left = until - loop_clock::now();
    if (left <= loop_clock::duration::zero()) break;
    pollfd p{wake.fd(), POLLIN, 0};
    ::poll(&p, 1, poll_ms(left));
    wake.drain();
  }
}

loop_clock::duration service_interval(amqp_connection_state_t c) noexcept {
  const int heartbeat = amqp_get_heartbeat(c);  // negotiated, seconds
  if (heartbeat <= 0) return k_max_service;
  return std::clamp<loop_clock::duration>(std::chrono::milliseconds{heartbeat * 1000 / 2},
                                          k_min_service, k_max_service);
}

void wait_for_io(amqp_connection_state_t c, const wake_event* wake,
                 loop_clock::duration timeout) noexcept {
  if (amqp_frames_enqueued(c) || amqp_data_in_buffer(c)) return;  // already read
  pollfd fds[2] = {{amqp_get_sockfd(c), POLLIN, 0}, {wake != nullptr ? wake->fd() : -1, POLLIN, 0}};
  // EINTR: the caller's loop comes straight back.
  ::poll(fds, wake != nullptr ? 2 : 1, poll_ms(timeout));
}

}  // namespace rai::amqp::detail
