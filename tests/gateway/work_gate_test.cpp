#include "gateway/work_gate.hpp"

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace rai::gateway {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

TEST(WorkGate, CountsTicketsUntilTheyAreDestroyed) {
  work_gate gate;
  auto a = gate.try_enter();
  auto b = gate.try_enter();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(gate.in_flight(), 2u);
  {
    auto moved = std::move(*a);  // a moved-from ticket leaves nothing behind
    EXPECT_EQ(gate.in_flight(), 2u);
  }
  EXPECT_EQ(gate.in_flight(), 1u);
  a.reset();
  EXPECT_EQ(gate.in_flight(), 1u);
  auto c = gate.try_enter();
  *b = std::move(*c);  // b's own place is given back
  EXPECT_EQ(gate.in_flight(), 1u);
  b.reset();
  EXPECT_EQ(gate.in_flight(), 0u);
}

TEST(WorkGate, RefusesOnceClosedAndKeepsCountingWhatIsInside) {
  work_gate gate;
  auto inside = gate.try_enter();
  ASSERT_TRUE(inside);
  EXPECT_FALSE(gate.closed());
  gate.close();
  EXPECT_TRUE(gate.closed());
  EXPECT_FALSE(gate.try_enter());
  EXPECT_EQ(gate.in_flight(), 1u);
  inside.reset();
  EXPECT_EQ(gate.in_flight(), 0u);
  EXPECT_FALSE(gate.try_enter());
}

TEST(WorkGate, WaitDrainedClosesTheGateAndReturnsAtOnceWhenEmpty) {
  work_gate gate;
  const auto started = clock::now();
  EXPECT_TRUE(gate.wait_drained(started + 1h));
  EXPECT_LT(clock::now() - started, 1s);
  EXPECT_TRUE(gate.closed());
  EXPECT_FALSE(gate.try_enter());
}

TEST(WorkGate, TheLastLeaveWakesTheWaiter) {
  work_gate gate;
  std::vector<std::optional<work_gate::ticket>> tickets;
  for (int i = 0; i < 3; ++i) tickets.push_back(gate.try_enter());
  std::atomic<bool> last_leaving{false};
  std::atomic<bool> returned{false};
  bool drained = false;
  bool woke_after_last_leave = false;
  std::thread waiter([&] {
    drained = gate.wait_drained(clock::now() + 20s);  // a leave must end it long before
    woke_after_last_leave = last_leaving.load();
    returned = true;
  });
  while (!gate.closed()) std::this_thread::yield();  // the waiter is at its wait
  tickets[0].reset();
  tickets[2].reset();
  EXPECT_FALSE(gate.wait_drained(clock::now()));  // one is still inside
  EXPECT_FALSE(returned.load());
  last_leaving = true;
  const auto last_left = clock::now();
  tickets[1].reset();
  waiter.join();
  EXPECT_LT(clock::now() - last_left, 10s) << "woken by the deadline, not by the leave";
  EXPECT_TRUE(drained);
  EXPECT_TRUE(woke_after_last_leave);
  EXPECT_EQ(gate.in_flight(), 0u);
}

TEST(WorkGate, GivesUpAtTheDeadlineWhileWorkIsInFlight) {
  work_gate gate;
  auto inside = gate.try_enter();
  const auto deadline = clock::now() + 30ms;
  EXPECT_FALSE(gate.wait_drained(deadline));
  EXPECT_GE(clock::now(), deadline);
  EXPECT_EQ(gate.in_flight(), 1u);
  EXPECT_FALSE(gate.try_enter());
  inside.reset();
  EXPECT_TRUE(gate.wait_drained(clock::now()));
}

// Threads enter and leave as fast as they can while the gate closes: the
// wait ends with nothing inside, and nothing enters after it.
TEST(WorkGate, ManyThreadsEnterAndLeaveWhileItCloses) {
  work_gate gate;
  std::atomic<std::uint64_t> entries{0};
  std::atomic<bool> drained{false};
  std::atomic<int> entered_after_drain{0};
  std::vector<std::thread> workers;
  for (int i = 0; i < 8; ++i) {
    workers.emplace_back([&] {
      for (;;) {
        auto t = gate.try_enter();
        if (!t) return;
        if (drained.load()) ++entered_after_drain;
        ++entries;
        std::this_thread::yield();
      }
    });
  }
  while (entries.load() < 10'000) std::this_thread::yield();
  const auto closing = clock::now();
  ASSERT_TRUE(gate.wait_drained(closing + 20s));
  drained = true;
  EXPECT_LT(clock::now() - closing, 10s) << "woken by the deadline, not by the last leave";
  EXPECT_EQ(gate.in_flight(), 0u);
  for (auto& w : workers) w.join();
  EXPECT_EQ(entered_after_drain.load(), 0);
  EXPECT_EQ(gate.in_flight(), 0u);
}

}  // namespace
}  // namespace rai::gateway
