// [history] (the event history stream, wire-format.md §6) and [tracing]
// (span export, §8): defaults, every key read, and each bad value named.
#include <gtest/gtest.h>

#include <string>

#include "amqp/settings.hpp"
#include "config/config.hpp"

namespace rai::gateway {
namespace {

config_result parse(const std::string& text) {
  return parse_config(text +
                          "[sources.default]\nkeys = [\"0123456789abcdef0123456789abcdef\"]\n"
                          "api_keys = [\"k1\"]\n",
                      "test.toml");
}

std::string all(const config_result& r) {
  std::string s;
  for (const auto& p : r.problems) s += p + "\n";
  return s;
}

bool mentions(const config_result& r, const std::string& needle) {
  return all(r).find(needle) != std::string::npos;
}

TEST(HistoryConfig, OffByDefaultWithSevenDaysAndTenGiB) {
  auto r = parse("");
  ASSERT_TRUE(r.config) << all(r);
  const auto& h = r.config->amqp.history;
  EXPECT_FALSE(h.enabled);
  EXPECT_EQ(h.max_age, "7D");
  EXPECT_EQ(h.max_bytes, 10'737'418'240u);
  EXPECT_TRUE(r.config->tracing.otlp_endpoint.empty());
}

TEST(HistoryConfig, AllKeysRead) {
  auto r = parse("[history]\nenabled = true\nmax_age = \"36h\"\nmax_bytes = 5000000000\n");
  ASSERT_TRUE(r.config) << all(r);
  const auto& h = r.config->amqp.history;
  EXPECT_TRUE(h.enabled);
  EXPECT_EQ(h.max_age, "36h");
  EXPECT_EQ(h.max_bytes, 5'000'000'000u);
}

TEST(HistoryConfig, EveryRabbitMqAgeUnitAccepted) {
  for (const char* age : {"1Y", "2M", "7D", "12h", "90m", "3600s", "123456789D"}) {
    auto r = parse(std::string("[history]\nmax_age = \"") + age + "\"\n");
    ASSERT_TRUE(r.config) << age << "\n" << all(r);
    EXPECT_EQ(r.config->amqp.history.max_age, age);
  }
}

TEST(HistoryConfig, BadAgesAreRefused) {
  // No unit, a lower-case day, a sign, a fraction, zero, two units, too long,
  // a space: RabbitMQ would refuse each (or read it differently).
  for (const char* age :
       {"7", "7d", "-7D", "1.5D", "0D", "000h", "1D2h", "1234567890D", " 7D", "D", ""}) {
    auto r = parse(std::string("[history]\nmax_age = \"") + age + "\"\n");
    EXPECT_FALSE(r.config) << "'" << age << "' accepted";
    EXPECT_TRUE(mentions(r, "history.max_age")) << all(r);
  }
}

TEST(HistoryConfig, MaxBytesHasAFloorOfOneMegabyte) {
  auto ok = parse("[history]\nmax_bytes = 1000000\n");
  ASSERT_TRUE(ok.config) << all(ok);
  EXPECT_EQ(ok.config->amqp.history.max_bytes, 1'000'000u);

  for (const char* bytes : {"999999", "0", "-1"}) {
    auto r = parse(std::string("[history]\nmax_bytes = ") + bytes + "\n");
    EXPECT_FALSE(r.config) << bytes << " accepted";
    EXPECT_TRUE(mentions(r, "history.max_bytes")) << all(r);
  }
}

TEST(HistoryConfig, WrongTypesAndUnknownKeysAreNamed) {
  auto r =
      parse("[history]\nenabled = \"yes\"\nmax_age = 7\nmax_bytes = \"10G\"\nsegment_bytes = 5\n");
  ASSERT_FALSE(r.config);
  for (const char* needle :
       {"history.enabled", "history.max_age", "history.max_bytes", "history.segment_bytes"})
    EXPECT_TRUE(mentions(r, needle)) << needle << "\n" << all(r);

  auto not_a_table = parse("history = true\n");
  EXPECT_FALSE(not_a_table.config);
  EXPECT_TRUE(mentions(not_a_table, "history")) << all(not_a_table);
}

// RabbitMQ drops whole segments: a tenth of max_bytes, within 1 MB .. 100 MB.
TEST(HistoryConfig, SegmentSizeFollowsMaxBytes) {
  EXPECT_EQ(amqp::history_segment_bytes(1'000'000), 1'000'000u);
  EXPECT_EQ(amqp::history_segment_bytes(50'000'000), 5'000'000u);
  EXPECT_EQ(amqp::history_segment_bytes(500'000'000), 50'000'000u);
  EXPECT_EQ(amqp::history_segment_bytes(10'737'418'240), 100'000'000u);
  EXPECT_EQ(amqp::history_segment_bytes(1'000'000'000'000), 100'000'000u);
}

TEST(TracingConfig, OtlpEndpointRead) {
  for (const char* url : {"http://127.0.0.1:4318/v1/traces", "https://otel.example/v1/traces"}) {
    auto r = parse(std::string("[tracing]\notlp_endpoint = \"") + url + "\"\n");
    ASSERT_TRUE(r.config) << url << "\n" << all(r);
    EXPECT_EQ(r.config->tracing.otlp_endpoint, url);
  }
  auto empty = parse("[tracing]\notlp_endpoint = \"\"\n");
  ASSERT_TRUE(empty.config) << all(empty);
  EXPECT_TRUE(empty.config->tracing.otlp_endpoint.empty());
}

TEST(TracingConfig, BadEndpointAndUnknownKeysAreNamed) {
  for (const char* url : {"grpc://collector:4317", "collector:4318", "HTTP//x", "ftp://x/"}) {
    auto r = parse(std::string("[tracing]\notlp_endpoint = \"") + url + "\"\n");
    EXPECT_FALSE(r.config) << url << " accepted";
    EXPECT_TRUE(mentions(r, "tracing.otlp_endpoint")) << all(r);
  }
  auto r = parse("[tracing]\notlp_endpoint = 4318\nsample_rate = 1\n");
  ASSERT_FALSE(r.config);
  EXPECT_TRUE(mentions(r, "tracing.otlp_endpoint")) << all(r);
  EXPECT_TRUE(mentions(r, "tracing.sample_rate")) << all(r);
}

}  // namespace
}  // namespace rai::gateway
