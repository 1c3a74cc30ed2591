#include "tools/confirm_window.hpp"

#include <gtest/gtest.h>

namespace rai::tool {
namespace {

TEST(ConfirmWindow, SingleAndMultipleAcks) {
  confirm_window w;
  w.add(1, "a");
  w.add(2, "b");
  w.add(3, "c");
  EXPECT_FALSE(w.settled());
  w.ack(2, /*multiple=*/true);
  EXPECT_EQ(w.state(0), confirm_state::confirmed);
  EXPECT_EQ(w.state(1), confirm_state::confirmed);
  EXPECT_EQ(w.state(2), confirm_state::pending);
  w.nack(3, false);
  EXPECT_TRUE(w.settled());
  EXPECT_EQ(w.state(2), confirm_state::nacked);
}

TEST(ConfirmWindow, ReturnedThenAckedIsNotASuccess) {
  confirm_window w;
  w.add(1, "same");
  w.add(2, "same");
  w.returned("same");  // the oldest pending one
  w.ack(2, true);
  EXPECT_EQ(w.state(0), confirm_state::returned);
  EXPECT_EQ(w.state(1), confirm_state::confirmed);
}

TEST(ConfirmWindow, AckOfAnotherTagSettlesNothing) {
  confirm_window w;
  w.add(5, "a");
  w.ack(4, false);
  EXPECT_EQ(w.state(0), confirm_state::pending);
  w.clear();
  EXPECT_TRUE(w.settled());
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace rai::tool
