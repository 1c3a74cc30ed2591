#include <gtest/gtest.h>

#include "tools/replay_headers.hpp"
#include "tools/replay_selection.hpp"

namespace rai::tool {
namespace {

TEST(ReplayHeaders, DeliveryStateDroppedKindKept) {
  for (const char* h :
       {"x-attempt", "x-last-status", "x-last-error", "x-dead-reason", "x-replayed-at"}) {
    EXPECT_TRUE(dropped_on_replay(h)) << h;
  }
  for (const char* h : {"x-kind", "x-source", "x-death", "x-attempts"}) {
    EXPECT_FALSE(dropped_on_replay(h)) << h;
  }
}

TEST(ReplaySelection, All) {
  auto s = replay_selection::everything();
  EXPECT_TRUE(s.choose("anything"));
  EXPECT_TRUE(s.choose(""));
  EXPECT_TRUE(s.missing().empty());
}

TEST(ReplaySelection, IdsEveryCopyAndMissing) {
  auto s = replay_selection::ids({"a", "b", "c"});
  EXPECT_TRUE(s.choose("a"));
  EXPECT_TRUE(s.choose("a"));  // a second copy of the same command
  EXPECT_FALSE(s.choose("z"));
  EXPECT_TRUE(s.choose("c"));
  EXPECT_EQ(s.missing(), std::vector<std::string>{"b"});
}

}  // namespace
}  // namespace rai::tool
