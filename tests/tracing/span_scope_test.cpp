// start_span / read_trace_headers: continuing a received context, starting a
// trace without one, and what the children's traceparent says.

#include "tracing/span_scope.hpp"

#include <gtest/gtest.h>

namespace rai::tracing {
namespace {

constexpr const char* k_parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(SpanScope, ContinuesAReceivedContextAsItsChild) {
  id_generator ids(1);
  const auto received = read_trace_headers(k_parent, "rojo=1");
  ASSERT_TRUE(received);
  const span_scope s = start_span(received, ids);
  EXPECT_EQ(s.trace, received->trace);
  EXPECT_EQ(s.parent, received->parent);
  EXPECT_NE(s.id, received->parent);
  EXPECT_EQ(s.flags, 0x01);
  EXPECT_TRUE(s.sampled());
  EXPECT_FALSE(s.started_here());
  EXPECT_EQ(s.tracestate, "rojo=1");
  EXPECT_EQ(s.child_traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-" + to_hex(s.id) + "-01");
}

TEST(SpanScope, KeepsAnUnsampledDecision) {
  id_generator ids(2);
  const span_scope s = start_span(
      read_trace_headers("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", {}), ids);
  EXPECT_FALSE(s.sampled());
  EXPECT_TRUE(s.child_traceparent().ends_with("-00"));
}

TEST(SpanScope, WithoutAContextStartsASampledTrace) {
  id_generator ids(3);
  const span_scope a = start_span(std::nullopt, ids);
  const span_scope b = start_span(std::nullopt, ids);
  EXPECT_TRUE(a.started_here());
  EXPECT_TRUE(a.sampled());
  EXPECT_TRUE(a.tracestate.empty());
  EXPECT_NE(a.trace, b.trace);
  EXPECT_NE(a.id, b.id);
  // What a child receives parses back into this span's trace and id.
  const auto child = parse_traceparent(a.child_traceparent());
  ASSERT_TRUE(child);
  EXPECT_EQ(child->trace, a.trace);
  EXPECT_EQ(child->parent, a.id);
}

TEST(SpanScope, AnInvalidTraceparentIsNoContextAndTakesItsTracestateAlong) {
  EXPECT_FALSE(
      read_trace_headers("00-00000000000000000000000000000000-00f067aa0ba902b7-01", "rojo=1"));
  EXPECT_FALSE(read_trace_headers("garbage", "rojo=1"));
  EXPECT_FALSE(read_trace_headers(std::nullopt, "rojo=1"));
}

TEST(SpanScope, AnInvalidTracestateIsDroppedAndTheTraceparentKept) {
  const auto c = read_trace_headers(k_parent, "rojo=\x1b[2J");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->tracestate.empty());
  EXPECT_EQ(format_traceparent(*c), k_parent);
}

TEST(SpanScope, ARecordCarriesTheSpansIds) {
  id_generator ids(4);
  const span_scope s = start_span(read_trace_headers(k_parent, {}), ids);
  const auto t0 = std::chrono::system_clock::now();
  const span_record r = make_span_record(s, "POST /webhooks/{source}", span_kind::server, t0,
                                         t0 + std::chrono::milliseconds(3));
  EXPECT_EQ(r.trace, s.trace);
  EXPECT_EQ(r.id, s.id);
  EXPECT_EQ(r.parent, s.parent);
  EXPECT_EQ(r.name, "POST /webhooks/{source}");
  EXPECT_EQ(r.kind, span_kind::server);
  EXPECT_EQ(r.end - r.start, std::chrono::milliseconds(3));
}

}  // namespace
}  // namespace rai::tracing
