// The EINTR helpers of tests/support/eintr.hpp, used by every test client and
// fuzz harness: a connect() that a signal interrupts, as libFuzzer's timer
// signal did to the HTTP fuzzer (`connect (errno 4)`).

#include "tests/support/eintr.hpp"

#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace rai::test {
namespace {

std::atomic<int> signals_seen{0};
extern "C" void count_signal(int) {
  signals_seen.fetch_add(1);
}

// A loopback listener with backlog 0 whose accept queue is kept full, so that
// Linux drops further SYNs and a blocking connect() hangs until the listener
// accepts (and the client retransmits its SYN, after about 1 s).
struct full_listener {
  int fd = -1;
  sockaddr_in addr{};
  std::vector<int> fillers;

  bool open() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd, 0) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      return false;
    for (int i = 0; i < 16; ++i) {
      const int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      fillers.push_back(c);
      if (connect_eintr(c, target(), sizeof addr) == 0) continue;
      if (errno != EINPROGRESS) return false;
      pollfd p{c, POLLOUT, 0};
      if (poll_eintr(&p, 1, 100) == 0) return true;  // this one hangs: the queue is full
    }
    return false;
  }
  const sockaddr* target() const { return reinterpret_cast<const sockaddr*>(&addr); }
  void accept_all() const {
    for (int c; (c = retry_eintr([&] { return ::accept(fd, nullptr, nullptr); })) >= 0;) ::close(c);
  }
  ~full_listener() {
    for (const int c : fillers) ::close(c);
    if (fd >= 0) ::close(fd);
  }
};

// Interrupts `target` with SIGUSR2 every 20 ms until stopped; once `accept` is
// set, also empties the listener's queue each time.
struct signal_storm {
  std::atomic<bool> stop{false};
  std::atomic<bool> accept{false};
  std::thread thread;

  signal_storm(pthread_t target, const full_listener& l) {
    thread = std::thread([this, target, &l] {
      while (!stop.load()) {
        ::pthread_kill(target, SIGUSR2);
        if (accept.load()) l.accept_all();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  ~signal_storm() {
    stop.store(true);
    thread.join();
  }
};

TEST(Eintr, ConnectInterruptedBySignalsStillConnects) {
  struct sigaction action {};
  struct sigaction previous {};
  action.sa_handler = count_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked connect() fails with EINTR
  ASSERT_EQ(::sigaction(SIGUSR2, &action, &previous), 0);

  full_listener l;
  if (!l.open()) {
    ::sigaction(SIGUSR2, &previous, nullptr);
    GTEST_SKIP() << "this kernel does not leave connects pending on a full backlog";
  }
  {
    signal_storm storm(::pthread_self(), l);
    // What the fuzz harness did: a plain blocking connect() fails at the first signal.
    const int plain = ::socket(AF_INET, SOCK_STREAM, 0);
    const int r = ::connect(plain, l.target(), sizeof l.addr);
    const int plain_errno = errno;
    ::close(plain);
    EXPECT_EQ(r, -1);
    EXPECT_EQ(plain_errno, EINTR);

    // The helper waits the connection out through the signals.
    const int before = signals_seen.load();
    storm.accept.store(true);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const int c = connect_eintr(fd, l.target(), sizeof l.addr, 10'000);
    const int c_errno = errno;
    EXPECT_EQ(c, 0) << "errno " << c_errno;
    sockaddr_in peer{};
    socklen_t len = sizeof peer;
    EXPECT_EQ(::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len), 0);
    EXPECT_GT(signals_seen.load(), before);
    ::close(fd);
  }
  ::sigaction(SIGUSR2, &previous, nullptr);
}

TEST(Eintr, RetryAndPollReturnWhatTheCallReturns) {
  int calls = 0;
  const int r = retry_eintr([&] {
    if (++calls < 3) {
      errno = EINTR;
      return -1;
    }
    return 7;
  });
  EXPECT_EQ(r, 7);
  EXPECT_EQ(calls, 3);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pollfd p{fds[0], POLLIN, 0};
  EXPECT_EQ(poll_eintr(&p, 1, 10), 0);  // nothing to read: the timeout
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  EXPECT_EQ(poll_eintr(&p, 1, 1000), 1);
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace rai::test
