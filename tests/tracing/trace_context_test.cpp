// parse_traceparent / format_traceparent against the vectors of W3C Trace
// Context §3.2 (version, ids, flags, the future-version rule).

#include "tracing/trace_context.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rai::tracing {
namespace {

constexpr const char* k_valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceParent, AWellFormedHeaderParsesIntoItsParts) {
  const auto c = parse_traceparent(k_valid);
  ASSERT_TRUE(c);
  EXPECT_EQ(to_hex(c->trace), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(to_hex(c->parent), "00f067aa0ba902b7");
  EXPECT_EQ(c->trace[0], 0x4b);
  EXPECT_EQ(c->parent[7], 0xb7);
  EXPECT_EQ(c->flags, 0x01);
  EXPECT_TRUE(c->tracestate.empty());
}

TEST(TraceParent, FormatIsTheInverseOfParse) {
  const auto c = parse_traceparent(k_valid);
  ASSERT_TRUE(c);
  EXPECT_EQ(format_traceparent(*c), k_valid);
  EXPECT_EQ(format_traceparent(c->trace, c->parent, 0x00),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  const auto hex = hex_chars(c->trace);
  EXPECT_EQ(std::string(hex.data(), hex.size()), to_hex(c->trace));
}

TEST(TraceParent, UnsampledFlagsAndUnknownFlagBitsAreKept) {
  auto c = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->flags, 0x00);
  c = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->flags, 0x09);
}

TEST(TraceParent, AllZeroIdsAreInvalid) {
  EXPECT_FALSE(parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
}

TEST(TraceParent, VersionFfIsInvalid) {
  EXPECT_FALSE(parse_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceParent, UpperCaseHexIsInvalid) {
  EXPECT_FALSE(parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"));
  EXPECT_FALSE(parse_traceparent("0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceParent, AFutureVersionIsReadAsVersion00AndMayCarryMoreFields) {
  const auto c = parse_traceparent(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds");
  ASSERT_TRUE(c);
  EXPECT_EQ(to_hex(c->trace), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(c->flags, 0x01);
  EXPECT_TRUE(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  // More fields must follow a '-'.
  EXPECT_FALSE(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"));
  // Version 00 has exactly four fields.
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x"));
}

TEST(TraceParent, MalformedHeadersAreInvalid) {
  for (const char* bad : {
           "", "00",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",     // short flags
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",     // short trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",     // short parent id
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // wrong delimiter
           "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",    // wrong delimiter
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",    // wrong delimiter
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",    // not hex
           " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",   // leading space
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r",  // trailing control
       })
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
}

}  // namespace
}  // namespace rai::tracing
