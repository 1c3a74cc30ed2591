#include "tools/send_tally.hpp"

#include <gtest/gtest.h>

namespace rai::tool {
namespace {

TEST(SendTally, CountsByOutcome) {
  send_tally t(2);
  t.reply("a", 200, R"({"status":"accepted","id":"a"})");
  t.reply("b", 200, R"({"status":"accepted","id":"b","duplicate":true})");
  t.reply("c", 401, R"({"status":"error","error":"invalid API key"})");
  t.reply("d", 401, "{}");
  t.transport_error("e", "connect: refused");
  const auto s = t.snapshot();
  EXPECT_EQ(s.accepted, 1u);
  EXPECT_EQ(s.duplicates, 1u);
  EXPECT_EQ(s.other.at(401), 2u);
  EXPECT_EQ(s.transport_errors, 1u);
  EXPECT_EQ(s.examples.size(), 2u);  // capped
  EXPECT_FALSE(all_succeeded(s));
  const std::string text = format_summary(s, 5, 1.0);
  EXPECT_NE(text.find("401 x2"), std::string::npos) << text;
}

TEST(SendTally, DuplicateNeedsTrue) {
  EXPECT_TRUE(is_duplicate_reply(R"({"duplicate": true})"));
  EXPECT_FALSE(is_duplicate_reply(R"({"duplicate": false})"));
  EXPECT_FALSE(is_duplicate_reply(R"({"status":"accepted"})"));
  EXPECT_FALSE(is_duplicate_reply("not json"));
}

}  // namespace
}  // namespace rai::tool
