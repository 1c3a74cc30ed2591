#include "otlp/span_exporter.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>

#include "tests/http/tls_test_server.hpp"

namespace {

using namespace rai;
using namespace std::chrono_literals;
using gateway::http_test::raw_response;
using gateway::http_test::recorded_request;
using gateway::http_test::reply;
using gateway::http_test::test_server;
using observed = test_server::observed;
namespace http = boost::beast::http;
using steady = std::chrono::steady_clock;

tracing::span_record span(std::uint8_t n) {
  tracing::span_record s;
  s.trace.fill(0x11);
  s.id = {0, 0, 0, 0, 0, 0, 0, n};
  s.name = "POST /webhooks/{source}";
  s.kind = tracing::span_kind::server;
  s.start = std::chrono::system_clock::now();
  s.end = s.start + 1ms;
  return s;
}

otlp::exporter_settings to(const test_server& server) {
  otlp::exporter_settings s;
  s.endpoint = "http://127.0.0.1:" + std::to_string(server.port()) + "/v1/traces";
  return s;
}

reply ok(const recorded_request&) {
  return {raw_response(200, "{}")};
}

// The span ids (last byte) in one recorded POST body.
std::vector<int> span_ids(const recorded_request& r) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(r.message.body());
  std::vector<int> ids;
  for (simdjson::dom::element s : doc["resourceSpans"].at(0)["scopeSpans"].at(0)["spans"])
    ids.push_back(std::stoi(std::string(std::string_view(s["spanId"]).substr(14)), nullptr, 16));
  return ids;
}

std::size_t spans_received(const observed& o) {
  std::size_t n = 0;
  for (const auto& r : o.requests) n += span_ids(r).size();
  return n;
}

TEST(SpanExporter, RefusesAnEndpointThatIsNotHttp) {
  EXPECT_FALSE(otlp::span_exporter::start({.endpoint = "ftp://collector/v1/traces"}));
  EXPECT_FALSE(otlp::span_exporter::start({.endpoint = "collector:4318"}));
}

TEST(SpanExporter, AFullBatchGoesAtOnceAndTheRestIsFlushedOnStop) {
  test_server server(ok);
  auto settings = to(server);
  settings.max_batch = 3;
  settings.interval = 60s;  // only a full batch or stop may send
  auto exporter = otlp::span_exporter::start(settings).value();
  for (std::uint8_t i = 1; i <= 7; ++i) exporter->submit(span(i));
  ASSERT_TRUE(server.wait_until([](const observed& o) { return spans_received(o) == 6; }));
  EXPECT_EQ(server.seen().requests.size(), 2u);
  exporter->stop(2s);
  const auto seen = server.seen();
  ASSERT_EQ(seen.requests.size(), 3u);
  EXPECT_EQ(span_ids(seen.requests[0]), (std::vector{1, 2, 3}));
  EXPECT_EQ(span_ids(seen.requests[1]), (std::vector{4, 5, 6}));
  EXPECT_EQ(span_ids(seen.requests[2]), (std::vector{7}));
  for (const auto& r : seen.requests) {
    EXPECT_EQ(r.message.method(), http::verb::post);
    EXPECT_EQ(r.message.target(), "/v1/traces");
    EXPECT_EQ(r.message[http::field::content_type], "application/json");
  }
  const auto stats = exporter->stats();
  EXPECT_EQ(stats.exported, 7u);
  EXPECT_EQ(stats.dropped_queue_full, 0u);
  EXPECT_EQ(stats.dropped_export_failed, 0u);
}

TEST(SpanExporter, APartialBatchGoesAfterTheInterval) {
  test_server server(ok);
  auto settings = to(server);
  settings.interval = 100ms;
  auto exporter = otlp::span_exporter::start(settings).value();
  exporter->submit(span(1));
  exporter->submit(span(2));
  ASSERT_TRUE(server.wait_until([](const observed& o) { return spans_received(o) == 2; }));
  const auto until = steady::now() + 3s;  // the server records before the client reads
  while (exporter->stats().exported < 2 && steady::now() < until) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(exporter->stats().exported, 2u);
  EXPECT_EQ(server.seen().requests.size(), 1u);
}

TEST(SpanExporter, AFullQueueDropsAndCounts) {
  test_server server(ok);
  auto settings = to(server);
  settings.max_queued = 4;
  settings.interval = 60s;
  auto exporter = otlp::span_exporter::start(settings).value();
  for (std::uint8_t i = 1; i <= 10; ++i) exporter->submit(span(i));
  EXPECT_EQ(exporter->stats().dropped_queue_full, 6u);
  exporter->stop(2s);
  ASSERT_EQ(server.seen().requests.size(), 1u);
  EXPECT_EQ(span_ids(server.seen().requests[0]), (std::vector{1, 2, 3, 4}));  // the oldest kept
  EXPECT_EQ(exporter->stats().exported, 4u);
  exporter->submit(span(11));  // after stop: dropped, never queued
  EXPECT_EQ(exporter->stats().dropped_queue_full, 7u);
}

TEST(SpanExporter, AFailedBatchIsDroppedAndCountedNotRetried) {
  test_server server([](const recorded_request&) { return reply{raw_response(503, "")}; });
  auto settings = to(server);
  settings.interval = 50ms;
  auto exporter = otlp::span_exporter::start(settings).value();
  for (std::uint8_t i = 1; i <= 3; ++i) exporter->submit(span(i));
  ASSERT_TRUE(server.wait_until([](const observed& o) { return o.requests.size() == 1; }));
  std::this_thread::sleep_for(300ms);  // several intervals: nothing is sent again
  exporter->stop(1s);
  EXPECT_EQ(server.seen().requests.size(), 1u);
  const auto stats = exporter->stats();
  EXPECT_EQ(stats.exported, 0u);
  EXPECT_EQ(stats.dropped_export_failed, 3u);
}

TEST(SpanExporter, AnAbsentCollectorCountsFailedBatches) {
  std::uint16_t port = 0;
  {
    test_server gone(ok);  // a port nobody listens on once it is closed
    port = gone.port();
  }
  otlp::exporter_settings settings;
  settings.endpoint = "http://127.0.0.1:" + std::to_string(port) + "/v1/traces";
  settings.interval = 50ms;
  auto exporter = otlp::span_exporter::start(settings).value();
  exporter->submit(span(1));
  exporter->submit(span(2));
  const auto until = steady::now() + 3s;
  while (exporter->stats().dropped_export_failed < 2 && steady::now() < until)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(exporter->stats().dropped_export_failed, 2u);
  EXPECT_EQ(exporter->stats().exported, 0u);
}

// A collector that never answers: submit() stays fast, the queue stays
// bounded, every span is accounted for, and stop() returns within the
// deadline plus one POST timeout.
TEST(SpanExporter, AHangingCollectorNeverBlocksSubmitAndStopIsBounded) {
  test_server server(
      [](const recorded_request&) { return reply{.raw = {}, .close = false, .hang = true}; });
  auto settings = to(server);
  settings.timeout = 300ms;
  settings.max_queued = 100;
  settings.max_batch = 10;
  settings.interval = 20ms;
  auto exporter = otlp::span_exporter::start(settings).value();
  std::uint64_t submitted = 0;
  ASSERT_TRUE(server.wait_until([&](const observed& o) {
    exporter->submit(span(1));
    ++submitted;
    return !o.requests.empty();
  }));
  const auto t0 = steady::now();
  for (int i = 0; i < 20000; ++i) exporter->submit(span(2));
  submitted += 20000;
  const auto submit_time = steady::now() - t0;
  EXPECT_LT(submit_time, 250ms) << "20000 submits";
  EXPECT_GE(exporter->stats().dropped_queue_full, 20000u - 100u - 20u);
  const auto t1 = steady::now();
  exporter->stop(200ms);
  const auto stop_time = steady::now() - t1;
  EXPECT_LT(stop_time, 1500ms);
  std::printf("submit %lld us, stop %lld ms\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::microseconds>(submit_time).count()),
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(stop_time).count()));
  const auto stats = exporter->stats();
  EXPECT_EQ(stats.exported, 0u);
  EXPECT_GT(stats.dropped_export_failed, 0u);
  EXPECT_EQ(stats.dropped_queue_full + stats.dropped_export_failed, submitted);
}

}  // namespace
