#include "gateway/connection_set.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>

namespace rai::gateway {
namespace {

// Loopback connections whose server sides wait in a read, as idle sessions do;
// a close by the set shows as a read that completes with operation_aborted.
struct fixture {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc, {net::ip::make_address("127.0.0.1"), 0}};
  std::vector<std::unique_ptr<tcp::socket>> clients;
  std::vector<std::unique_ptr<tcp::socket>> servers;
  std::vector<std::shared_ptr<connection_state>> states;
  std::vector<int> aborted;  // per connection: 1 once its read was cancelled
  std::array<char, 16> sink{};
  connection_set set;

  void open(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      clients.push_back(std::make_unique<tcp::socket>(ioc));
      clients.back()->connect(acceptor.local_endpoint());
      servers.push_back(std::make_unique<tcp::socket>(acceptor.accept()));
      auto state = set.add(ioc.get_executor());  // idle from now on
      state->socket = servers.back().get();
      states.push_back(state);
      aborted.push_back(0);
      servers.back()->async_read_some(net::buffer(sink),
                                      [this, i](beast::error_code ec, std::size_t) {
                                        if (ec == net::error::operation_aborted) aborted[i] = 1;
                                      });
    }
  }
  void settle() {
    ioc.restart();
    ioc.poll();
  }
};

TEST(ConnectionSet, ClosesTheConnectionIdleTheLongest) {
  fixture f;
  f.open(4);
  EXPECT_EQ(f.set.idle_count(), 4u);  // new connections wait for their first byte
  for (std::size_t i = 0; i < 4; ++i) f.set.set_idle(*f.states[i], false);
  for (const std::size_t i : {2u, 0u, 3u}) f.set.set_idle(*f.states[i], true);  // 1 stays busy
  EXPECT_EQ(f.set.idle_count(), 3u);
  ASSERT_TRUE(f.set.close_oldest_idle());
  f.settle();
  EXPECT_EQ(f.aborted, (std::vector<int>{0, 0, 1, 0}));
  ASSERT_TRUE(f.set.close_oldest_idle());
  f.settle();
  EXPECT_EQ(f.aborted, (std::vector<int>{1, 0, 1, 0}));
  ASSERT_TRUE(f.set.close_oldest_idle());
  ASSERT_FALSE(f.set.close_oldest_idle());  // the busy one is never taken
  f.settle();
  EXPECT_EQ(f.aborted, (std::vector<int>{1, 0, 1, 1}));
  EXPECT_EQ(f.set.idle_count(), 0u);
}

TEST(ConnectionSet, IdleAgainGoesToTheBackAndRemovedLeavesTheQueue) {
  fixture f;
  f.open(3);                            // idle in the order they were added
  f.set.set_idle(*f.states[0], false);  // a request on 0, then it waits again
  f.set.set_idle(*f.states[0], true);
  f.set.remove(*f.states[1]);  // 1's session ended
  EXPECT_EQ(f.set.idle_count(), 2u);
  ASSERT_TRUE(f.set.close_oldest_idle());
  f.settle();
  EXPECT_EQ(f.aborted, (std::vector<int>{0, 0, 1}));
  ASSERT_TRUE(f.set.close_oldest_idle());
  f.settle();
  EXPECT_EQ(f.aborted, (std::vector<int>{1, 0, 1}));
}

TEST(ConnectionSet, AConnectionWhoseRequestHasArrivedIsNotClosed) {
  fixture f;
  f.open(2);
  // The oldest one's request is in its socket buffer, not yet read: it wins.
  net::write(*f.clients[0], net::buffer("P", 1));
  beast::error_code ec;
  for (int i = 0; i < 1'000'000 && f.servers[0]->available(ec) == 0 && !ec; ++i) {
  }
  ASSERT_GT(f.servers[0]->available(ec), 0u);
  ASSERT_TRUE(f.set.close_oldest_idle());
  f.settle();  // its read completes with the byte, not with a cancel
  EXPECT_EQ(f.aborted, (std::vector<int>{0, 0}));
  EXPECT_EQ(f.set.idle_count(), 1u);  // it left the queue either way
}

// A graceful stop: idle connections are closed, no new one is admitted, and
// the wait ends when the last open one's ticket is given back.
TEST(ConnectionSet, DrainRefusesNewConnectionsAndWaitsForTheOpenOnes) {
  fixture f;
  f.open(2);
  auto first = f.set.admit();
  auto second = f.set.admit();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(f.set.open_count(), 2u);
  EXPECT_FALSE(f.set.draining());
  f.set.drain();
  EXPECT_TRUE(f.set.draining());
  EXPECT_FALSE(f.set.admit());
  f.settle();
  EXPECT_EQ(f.aborted, (std::vector<int>{1, 1}));
  const auto now = std::chrono::steady_clock::now();
  EXPECT_FALSE(f.set.wait_closed(now));
  first.reset();
  EXPECT_EQ(f.set.open_count(), 1u);
  EXPECT_FALSE(f.set.wait_closed(now));
  second.reset();
  EXPECT_TRUE(f.set.wait_closed(now));
  EXPECT_EQ(f.set.open_count(), 0u);
}

}  // namespace
}  // namespace rai::gateway
