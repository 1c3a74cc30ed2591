// amqp::node_ring: which node of amqp.urls a connection tries, what it logs
// and exposes about it, and what counts as a failover. No broker needed.

#include "amqp/node_ring.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace rai::amqp {
namespace {

const std::vector<std::string> k_three = {
    "amqp://app:secret@rmq-1:5672/",
    "amqp://app:secret@rmq-2:5673/prod",
    "amqp://app:secret@rmq-3/",
};

TEST(NodeRing, NoNodeIsAnError) {
  EXPECT_THROW(node_ring(std::vector<std::string>{}), std::invalid_argument);
}

TEST(NodeRing, NextVisitsEveryNodeInTurnAndWraps) {
  node_ring ring(k_three, 1);
  EXPECT_EQ(ring.size(), 3u);
  std::vector<std::string> seen;
  for (int i = 0; i < 4; ++i) {
    seen.push_back(ring.node());
    ring.next();
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{"rmq-2:5673", "rmq-3:5672", "rmq-1:5672", "rmq-2:5673"}));
}

TEST(NodeRing, ForLogsTheUrlHasNoPasswordAndTheNodeIsNumbered) {
  node_ring ring(k_three, 0);
  EXPECT_EQ(ring.url(), "amqp://app:secret@rmq-1:5672/");
  EXPECT_EQ(ring.url_for_logs(), "amqp://app@rmq-1:5672/");
  EXPECT_EQ(ring.describe(), "amqp://app@rmq-1:5672/ (node 1 of 3)");
  ring.next();
  EXPECT_EQ(ring.describe(), "amqp://app@rmq-2:5673/prod (node 2 of 3)");
  for (std::size_t i = 0; i < ring.size(); ++i, ring.next()) {
    EXPECT_EQ(ring.describe().find("secret"), std::string::npos) << ring.describe();
    EXPECT_EQ(ring.node().find("secret"), std::string::npos) << ring.node();
  }
}

TEST(NodeRing, OneNodeStaysAndIsNotNumbered) {
  node_ring ring({"amqp://guest:guest@127.0.0.1:5672/"});
  EXPECT_EQ(ring.index(), 0u);
  ring.next();
  EXPECT_EQ(ring.index(), 0u);
  EXPECT_EQ(ring.describe(), "amqp://guest@127.0.0.1:5672/");
  EXPECT_EQ(ring.node(), "127.0.0.1:5672");
}

TEST(NodeRing, StartsAtARandomNodeSoReplicasSpread) {
  std::set<std::size_t> starts;
  for (int i = 0; i < 200 && starts.size() < 3; ++i) starts.insert(node_ring(k_three).index());
  EXPECT_EQ(starts.size(), 3u);  // (2/3)^200 odds of missing one
}

TEST(NodeRing, AFailoverIsAConnectionOnAnotherNodeThanThePreviousOne) {
  node_ring ring(k_three, 0);
  EXPECT_EQ(ring.connected_node(), "");
  EXPECT_FALSE(ring.connected());  // the first connection
  EXPECT_EQ(ring.connected_node(), "rmq-1:5672");
  ring.disconnected();
  EXPECT_EQ(ring.connected_node(), "");

  ring.next();  // a failed connect to rmq-2 ...
  ring.next();  // ... then rmq-3 accepts
  EXPECT_TRUE(ring.connected());
  EXPECT_EQ(ring.connected_node(), "rmq-3:5672");
  EXPECT_EQ(ring.failovers(), 1u);
  ring.disconnected();

  // Round the ring back to rmq-3: the same node again is no failover.
  for (std::size_t i = 0; i < ring.size(); ++i) ring.next();
  EXPECT_FALSE(ring.connected());
  EXPECT_EQ(ring.failovers(), 1u);
}

TEST(NodeRing, HostPortOfIpv6AndInvalidUrls) {
  EXPECT_EQ(host_port_of("amqp://u:p@[::1]:5681/"), "[::1]:5681");
  EXPECT_EQ(host_port_of("amqps://u:p@mq.example.com/"), "mq.example.com:5671");
  EXPECT_EQ(host_port_of("http://nope/"), "<invalid AMQP URL>");
}

}  // namespace
}  // namespace rai::amqp
