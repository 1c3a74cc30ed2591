#pragma once

// System calls for test clients and fuzz harnesses that a signal may
// interrupt (EINTR): libFuzzer, sanitizers and profilers send signals, and a
// harness must fail only on real findings. One helper for every harness.

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace rai::test {

// Calls `call` again for as long as it fails with EINTR (send, recv, read,
// write, accept: calls that did nothing when interrupted).
template <class Call>
auto retry_eintr(Call call) {
  for (;;) {
    const auto r = call();
    if (!(r < 0 && errno == EINTR)) return r;
  }
}

// poll() that, when a signal interrupts it, goes on waiting for the time left.
inline int poll_eintr(pollfd* fds, nfds_t n, int timeout_ms) {
  using clock = std::chrono::steady_clock;
  const auto until = clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const int r = ::poll(fds, n, timeout_ms);
    if (!(r < 0 && errno == EINTR)) return r;
    if (timeout_ms >= 0) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now());
      timeout_ms = static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
    }
  }
}

// connect() that a signal cannot break. An interrupted connect() goes on in
// the kernel, and calling connect() again would fail (EALREADY, then
// EISCONN): so after EINTR this waits until the socket is writable (at most
// timeout_ms; -1: no limit) and takes the outcome from SO_ERROR. A
// non-blocking socket gets connect()'s own answer, with an EINTR reported as
// the EINPROGRESS it amounts to. Returns 0 or -1 with errno set.
inline int connect_eintr(int fd, const sockaddr* addr, socklen_t len, int timeout_ms = -1) {
  if (::connect(fd, addr, len) == 0) return 0;
  if (errno != EINTR) return -1;
  if (::fcntl(fd, F_GETFL) & O_NONBLOCK) {
    errno = EINPROGRESS;
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  const int ready = poll_eintr(&p, 1, timeout_ms);
  if (ready < 0) return -1;
  if (ready == 0) {
    errno = ETIMEDOUT;
    return -1;
  }
  int error = 0;
  socklen_t error_len = sizeof error;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_len) != 0) return -1;
  if (error != 0) {
    errno = error;
    return -1;
  }
  return 0;
}

}  // namespace rai::test
