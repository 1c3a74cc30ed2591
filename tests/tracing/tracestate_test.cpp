// valid_tracestate: W3C Trace Context §3.3 list-members, bounded length.

#include <gtest/gtest.h>

#include <string>

#include "tracing/trace_context.hpp"

namespace rai::tracing {
namespace {

TEST(TraceState, ListMembersOfSimpleAndTenantKeysAreValid) {
  EXPECT_TRUE(valid_tracestate("rojo=00f067aa0ba902b7"));
  EXPECT_TRUE(valid_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"));
  EXPECT_TRUE(valid_tracestate("fw529a3039@dt=a-b_c*d/e"));
  EXPECT_TRUE(valid_tracestate("k=value with inner spaces"));
  EXPECT_TRUE(valid_tracestate(""));  // no members: nothing to carry, nothing wrong
}

TEST(TraceState, SpacesAroundMembersAndEmptyMembersAreAllowed) {
  EXPECT_TRUE(valid_tracestate("rojo=1 ,\tcongo=2"));
  EXPECT_TRUE(valid_tracestate(",,rojo=1,,"));
}

TEST(TraceState, MalformedMembersMakeTheWholeHeaderInvalid) {
  for (const char* bad : {
           "Rojo=1",            // upper-case key
           "1rojo=1",           // a simple key starts with a letter
           "rojo",              // no '='
           "rojo=",             // empty value
           "=1",                // empty key
           "rojo=1=2",          // '=' in the value
           "rojo=1,congo",      // a bare word after a good member
           "a@=1",              // empty system id
           "@dt=1",             // empty tenant id
           "a@Dt=1",            // upper-case system id
           "rojo=\x1b[31mx",    // terminal control
           "rojo=a\tb",         // tab inside a value
           "rojo=caf\xc3\xa9",  // non-ASCII
       })
    EXPECT_FALSE(valid_tracestate(bad)) << bad;
}

TEST(TraceState, AtMost512CharactersAndThirtyTwoMembers) {
  std::string at_limit = "k=" + std::string(254, 'v') + ",j=" + std::string(253, 'v');
  ASSERT_EQ(at_limit.size(), 512u);
  EXPECT_TRUE(valid_tracestate(at_limit));
  EXPECT_FALSE(valid_tracestate(at_limit + "v"));

  std::string members;
  for (int i = 0; i < 32; ++i) members += (i ? ",k" : "k") + std::to_string(i) + "=v";
  EXPECT_TRUE(valid_tracestate(members));
  EXPECT_FALSE(valid_tracestate(members + ",k32=v"));
}

TEST(TraceState, AValueIsAtMost256Characters) {
  EXPECT_TRUE(valid_tracestate("k=" + std::string(256, 'v')));
  EXPECT_FALSE(valid_tracestate("k=" + std::string(257, 'v')));
}

}  // namespace
}  // namespace rai::tracing
