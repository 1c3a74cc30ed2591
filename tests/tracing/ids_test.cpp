// id_generator: never an all-zero id, distinct ids, one sequence per seed.

#include "tracing/ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace rai::tracing {
namespace {

TEST(IdGenerator, IdsAreNeverAllZeroAndDoNotRepeat) {
  id_generator ids(0);  // even a zero seed gives a usable state
  std::set<trace_id> traces;
  std::set<span_id> spans;
  for (int i = 0; i < 10000; ++i) {
    const trace_id t = ids.next_trace_id();
    const span_id s = ids.next_span_id();
    EXPECT_TRUE(std::any_of(t.begin(), t.end(), [](auto b) { return b != 0; }));
    EXPECT_TRUE(std::any_of(s.begin(), s.end(), [](auto b) { return b != 0; }));
    traces.insert(t);
    spans.insert(s);
  }
  EXPECT_EQ(traces.size(), 10000u);
  EXPECT_EQ(spans.size(), 10000u);
}

TEST(IdGenerator, TheSameSeedGivesTheSameSequenceAndAnotherSeedAnother) {
  id_generator a(42);
  id_generator b(42);
  id_generator c(43);
  const trace_id first = a.next_trace_id();
  EXPECT_EQ(first, b.next_trace_id());
  EXPECT_NE(first, c.next_trace_id());
  EXPECT_EQ(a.next_span_id(), b.next_span_id());
}

TEST(IdGenerator, EveryByteVaries) {
  // A generator that left a byte fixed (say, the high byte of a word) would
  // show it here: over 256 ids each byte position takes many values.
  id_generator ids(7);
  std::array<std::set<std::uint8_t>, 16> seen;
  for (int i = 0; i < 256; ++i) {
    const trace_id t = ids.next_trace_id();
    for (std::size_t j = 0; j < t.size(); ++j) seen[j].insert(t[j]);
  }
  for (const auto& s : seen) EXPECT_GT(s.size(), 100u);
}

}  // namespace
}  // namespace rai::tracing
