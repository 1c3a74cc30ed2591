#include "tools/dlq.hpp"

#include <gtest/gtest.h>

namespace rai::tool {
namespace {

// Built, not assigned member by member: g++ 12 at -O3 reports a false
// -Wrestrict on assigning a one-character literal to an optional<string>
// (GCC PR 105329); constructing the members copies into fresh strings.
dead_entry sample() {
  return dead_entry{.id = "cmd-1",
                    .kind = "currency",
                    .attempts = "3",
                    .last_status = "404",
                    .last_error = "http 404:\tnot\nfound",
                    .dead_reason = "rejected",
                    .replayed_at = std::nullopt,
                    .body = std::nullopt};
}

TEST(DeadEntry, TextIsOneLineWithDashesForAbsentValues) {
  EXPECT_EQ(format_dead_text(sample()), "cmd-1\tcurrency\t3\t404\thttp 404: not found\trejected");
  dead_entry e;
  e.id = "x";
  EXPECT_EQ(format_dead_text(e), "x\t-\t-\t-\t-\t-");
  EXPECT_EQ(dead_text_header(false), "ID\tKIND\tATTEMPTS\tLAST_STATUS\tLAST_ERROR\tDEAD_REASON");
}

// A dead command's values come from any publisher: nothing in them reaches
// the operator's terminal raw (ESC, 8-bit CSI U+009B, bidi override U+202E).
TEST(DeadEntry, TextEscapesTerminalControls) {
  dead_entry e = sample();
  e.kind =
      "k\x1b[2J\xC2\x9B"
      "31m\xE2\x80\xAE"
      "exe";
  EXPECT_EQ(format_dead_text(e),
            "cmd-1\tk\\u001b[2J\\u009b31m\\u202eexe\t3\t404\thttp 404: not found\trejected");
}

TEST(DeadEntry, Json) {
  EXPECT_EQ(format_dead_json(sample()),
            R"({"id":"cmd-1","kind":"currency","attempts":3,"last_status":404,)"
            R"("last_error":"http 404:\tnot\nfound","dead_reason":"rejected","replayed_at":null})");
  dead_entry e = sample();
  e.attempts = "three";
  e.last_status = std::nullopt;
  e.body = R"({"a":1})";
  EXPECT_EQ(format_dead_json(e),
            R"({"id":"cmd-1","kind":"currency","attempts":"three","last_status":null,)"
            R"("last_error":"http 404:\tnot\nfound","dead_reason":"rejected","replayed_at":null,)"
            R"("body":"{\"a\":1}"})");
}

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
