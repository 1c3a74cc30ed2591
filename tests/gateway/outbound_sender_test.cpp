// outbound_sender against a fake publisher and a fake consumer
// (tests/support/) and a real HTTP endpoint (the scripted local Beast server
// of tls_test_server.hpp): a command is acked only once its next home is
// durable (the endpoint took it, or its delay queue or the dead-letter queue
// confirmed it), and rejected back to its queue when that publish fails.

#include "gateway/outbound_sender.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "amqp/consumer_interface.hpp"
#include "amqp/topology.hpp"
#include "http/http_client.hpp"
#include "tests/http/tls_test_server.hpp"
#include "tests/support/fake_consumer.hpp"
#include "tests/support/fake_publisher.hpp"
#include "tests/support/recording_span_sink.hpp"
#include "tracing/trace_context.hpp"

namespace rai::gateway {
namespace {

using namespace std::chrono_literals;
using amqp::publish_status;
using http_test::raw_response;
using http_test::recorded_request;
using http_test::reply;
using http_test::test_server;

constexpr std::uint64_t generation = 3;
constexpr const char* target_key = "currency-api-key";

// A header of a published message; nullopt when absent.
std::optional<std::string> header(const amqp::message& m, std::string_view name) {
  for (const auto& [k, v] : m.headers)
    if (k == name) return v;
  return std::nullopt;
}

class OutboundSenderTest : public ::testing::Test {
 protected:
  ~OutboundSenderTest() override {
    work_.reset();
    ioc_.stop();
    io_thread_.join();
  }

  // The endpoint answers every request with `status` (and `extra` headers).
  void start(unsigned status, std::string extra_headers = {}) {
    server_ = std::make_unique<test_server>(
        [status, extra = std::move(extra_headers)](const recorded_request&) {
          return reply{raw_response(status, "{}", extra)};
        });
    gateway_config config;
    target_settings t;
    t.kind = "currency";
    t.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/commands";
    t.api_key = target_key;
    t.timeout = 3s;
    config.targets = {t};
    config.outbound.enabled = true;
    config.outbound.connect_timeout = 3s;
    client_ = std::make_unique<http_client>(ioc_, http_client_settings{.connect_timeout = 3s});
    sender_ = std::make_unique<outbound_sender>(ioc_, config, publisher_, *client_, &spans_);
    sender_->attach(consumer_);
  }

  // Hands a command to the sender as the consumer thread would.
  void deliver(std::uint64_t tag, std::string body = R"({"amount":1})",
               std::vector<std::pair<std::string, std::string>> headers = {
                   {"x-kind", "currency"}}) {
    amqp::delivery d;
    d.tag = tag;
    d.generation = generation;
    d.body = std::move(body);
    d.message_id = "cmd-" + std::to_string(tag);
    d.type = "currency";
    d.content_type = "application/json";
    d.timestamp = 1'700'000'000;
    d.headers = std::move(headers);
    sender_->on_delivery(std::move(d));
  }

  // The command's next home, published and not yet settled: nothing is
  // settled with the consumer meanwhile.
  amqp::message parked(std::size_t index = 0) {
    EXPECT_TRUE(publisher_.wait_for_published(index + 1));
    std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(consumer_.settles().empty()) << "settled before its next home was confirmed";
    return publisher_.message(index);
  }

  test::fake_consumer::settle only_settle() {
    EXPECT_TRUE(consumer_.wait_for_settles(1));
    const auto all = consumer_.settles();
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? test::fake_consumer::settle{} : all.front();
  }

  std::size_t requests_seen() const { return server_->seen().requests.size(); }

  bool idle() const {
    for (int i = 0; i < 500 && sender_->deliveries_in_flight() > 0; ++i)
      std::this_thread::sleep_for(10ms);
    return sender_->deliveries_in_flight() == 0;
  }

  // Declared first, destroyed last: completions still held by the fakes
  // keep work guards on it.
  net::io_context ioc_{1};
  test::fake_publisher publisher_;
  test::fake_consumer consumer_;
  test::recording_span_sink spans_;
  std::unique_ptr<test_server> server_;
  std::unique_ptr<http_client> client_;
  std::unique_ptr<outbound_sender> sender_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(ioc_);
  std::thread io_thread_{[this] { ioc_.run(); }};
};

TEST_F(OutboundSenderTest, ADeliveredCommandIsAckedAndParkedNowhere) {
  start(200);
  deliver(11);
  const auto s = only_settle();
  EXPECT_TRUE(s.acked);
  EXPECT_EQ(s.generation, generation);
  EXPECT_EQ(s.tag, 11u);
  EXPECT_EQ(publisher_.published(), 0u);

  ASSERT_EQ(requests_seen(), 1u);
  const auto seen = server_->seen();
  const auto& req = seen.requests[0].message;
  EXPECT_EQ(req.target(), "/commands");
  EXPECT_EQ(req["Idempotency-Key"], "cmd-11");
  EXPECT_EQ(req["x-api-key"], target_key);
  EXPECT_EQ(req.body(), R"({"amount":1})");
  EXPECT_TRUE(idle());
}

TEST_F(OutboundSenderTest, ARetryableAnswerIsAckedOnlyOnceItsDelayQueueConfirms) {
  start(503, "Retry-After: 60\r\n");  // 60 s: the 1m rung, whatever the jitter
  deliver(12, R"({"amount":2})", {{"x-kind", "currency"}, {"x-trace", "t-1"}});
  const amqp::message m = parked();
  EXPECT_EQ(m.exchange, "");  // the default exchange: routed by queue name
  EXPECT_EQ(m.routing_key, amqp::retry_queue_name(std::chrono::minutes(1)));
  EXPECT_EQ(m.message_id, "cmd-12");
  EXPECT_EQ(m.type, "currency");
  EXPECT_EQ(m.body, R"({"amount":2})");
  EXPECT_EQ(m.timestamp, 1'700'000'000);
  EXPECT_EQ(header(m, "x-kind"), "currency");
  EXPECT_EQ(header(m, "x-trace"), "t-1");
  EXPECT_EQ(header(m, "x-attempt"), "1");
  EXPECT_EQ(header(m, "x-last-status"), "503");
  EXPECT_TRUE(header(m, "x-last-error").value_or("").starts_with("http 503"));
  EXPECT_FALSE(header(m, "x-dead-reason"));

  publisher_.settle(0, publish_status::confirmed);
  const auto s = only_settle();
  EXPECT_TRUE(s.acked);
  EXPECT_EQ(s.tag, 12u);
  EXPECT_TRUE(idle());
}

TEST_F(OutboundSenderTest, ARetryRewritesTheDeliveryStateHeadersOnly) {
  start(500);
  deliver(13, R"({"amount":3})",
          {{"x-kind", "currency"},
           {"x-attempt", "2"},
           {"x-last-status", "502"},
           {"x-last-error", "old"},
           {"x-custom", "kept"}});
  const amqp::message m = parked();
  // traceparent: the trace the first attempt started (see the trace tests).
  EXPECT_EQ(m.headers, (std::vector<std::pair<std::string, std::string>>{
                           {"x-kind", "currency"},
                           {"x-custom", "kept"},
                           {"traceparent", header(m, "traceparent").value_or("")},
                           {"x-attempt", "3"},
                           {"x-last-status", "500"},
                           {"x-last-error", header(m, "x-last-error").value_or("")}}));
  EXPECT_TRUE(header(m, "x-last-error").value_or("").starts_with("http 500"));
  publisher_.settle(0, publish_status::confirmed);
  EXPECT_TRUE(only_settle().acked);
}

TEST_F(OutboundSenderTest, ARefusedCommandIsAckedOnlyOnceTheDeadLetterQueueConfirms) {
  start(400);
  deliver(14);
  const amqp::message m = parked();
  EXPECT_EQ(m.exchange, "");
  EXPECT_EQ(m.routing_key, amqp::names::dead_queue);
  EXPECT_EQ(header(m, "x-dead-reason"), "rejected");
  EXPECT_EQ(header(m, "x-attempt"), "1");
  EXPECT_EQ(header(m, "x-last-status"), "400");
  publisher_.settle(0, publish_status::confirmed);
  const auto s = only_settle();
  EXPECT_TRUE(s.acked);
  EXPECT_EQ(s.tag, 14u);
}

TEST_F(OutboundSenderTest, ACommandOutOfRetriesIsDeadLetteredAsExhausted) {
  start(500);
  // Nine retries already made: the default schedule has nine steps.
  deliver(15, R"({"amount":4})", {{"x-kind", "currency"}, {"x-attempt", "9"}});
  const amqp::message m = parked();
  EXPECT_EQ(m.routing_key, amqp::names::dead_queue);
  EXPECT_EQ(header(m, "x-dead-reason"), "exhausted");
  EXPECT_EQ(header(m, "x-attempt"), "10");
  EXPECT_EQ(requests_seen(), 1u);
  publisher_.settle(0, publish_status::confirmed);
  EXPECT_TRUE(only_settle().acked);
}

TEST_F(OutboundSenderTest, AKindWithoutATargetIsDeadLetteredWithoutASend) {
  start(200);
  deliver(16, R"({"amount":5})", {{"x-kind", "no-such-kind"}});
  const amqp::message m = parked();
  EXPECT_EQ(m.routing_key, amqp::names::dead_queue);
  EXPECT_EQ(header(m, "x-dead-reason"), "no-target");
  EXPECT_EQ(m.type, "no-such-kind");
  publisher_.settle(0, publish_status::confirmed);
  EXPECT_TRUE(only_settle().acked);
  EXPECT_EQ(requests_seen(), 0u);
}

TEST_F(OutboundSenderTest, ABodyThatIsNotAJsonObjectIsDeadLetteredWithoutASend) {
  start(200);
  deliver(17, "[1,2]");
  const amqp::message m = parked();
  EXPECT_EQ(m.routing_key, amqp::names::dead_queue);
  EXPECT_EQ(header(m, "x-dead-reason"), "invalid");
  EXPECT_EQ(m.body, "[1,2]");
  publisher_.settle(0, publish_status::confirmed);
  EXPECT_TRUE(only_settle().acked);
  EXPECT_EQ(requests_seen(), 0u);
}

// Its next home did not confirm: the command goes back to its queue
// (requeue), never acked, never dropped.
class UnconfirmedNextHome : public OutboundSenderTest,
                            public ::testing::WithParamInterface<publish_status> {};

TEST_P(UnconfirmedNextHome, RejectsTheCommandBackToItsQueueAfterARetryableAnswer) {
  start(503, "Retry-After: 60\r\n");
  deliver(21);
  EXPECT_EQ(parked().routing_key, amqp::retry_queue_name(std::chrono::minutes(1)));
  publisher_.settle(0, GetParam());
  const auto s = only_settle();
  EXPECT_FALSE(s.acked);
  EXPECT_TRUE(s.requeue);
  EXPECT_EQ(s.generation, generation);
  EXPECT_EQ(s.tag, 21u);
  EXPECT_TRUE(idle());
}

TEST_P(UnconfirmedNextHome, RejectsTheCommandBackToItsQueueAfterARefusal) {
  start(422);
  deliver(22);
  EXPECT_EQ(parked().routing_key, amqp::names::dead_queue);
  publisher_.settle(0, GetParam());
  const auto s = only_settle();
  EXPECT_FALSE(s.acked);
  EXPECT_TRUE(s.requeue);
  EXPECT_EQ(s.tag, 22u);
}

// docs/wire-format.md §8: every HTTP attempt sends the command's trace with a
// span id of its own, and is a client span of that trace.
constexpr const char* k_traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST_F(OutboundSenderTest, ACommandsTraceparentReachesTheEndpointAsAChildOfIt) {
  start(200);
  deliver(31, R"({"amount":1})",
          {{"x-kind", "currency"}, {"traceparent", k_traceparent}, {"tracestate", "rojo=1"}});
  EXPECT_TRUE(only_settle().acked);
  ASSERT_EQ(requests_seen(), 1u);
  const auto seen = server_->seen();
  const auto& req = seen.requests[0].message;
  const auto sent = tracing::parse_traceparent(std::string(req["traceparent"]));
  ASSERT_TRUE(sent) << req["traceparent"];
  EXPECT_EQ(tracing::to_hex(sent->trace), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(tracing::to_hex(sent->parent), "00f067aa0ba902b7");
  EXPECT_EQ(sent->flags, 0x01);
  EXPECT_EQ(req["tracestate"], "rojo=1");

  ASSERT_TRUE(spans_.wait_for(1));
  const tracing::span_record s = spans_.spans().at(0);
  EXPECT_EQ(s.kind, tracing::span_kind::client);
  EXPECT_EQ(s.name, "POST currency");
  EXPECT_EQ(s.trace, sent->trace);
  EXPECT_EQ(s.id, sent->parent);
  EXPECT_EQ(tracing::to_hex(s.parent), "00f067aa0ba902b7");
  EXPECT_FALSE(s.error);
  EXPECT_EQ(test::recording_span_sink::attribute(s, "http.response.status_code"), "200");
  EXPECT_EQ(test::recording_span_sink::attribute(s, "rai.command_id"), "cmd-31");
  EXPECT_EQ(test::recording_span_sink::attribute(s, "rai.attempt"), "1");
}

TEST_F(OutboundSenderTest, ARetriedCommandKeepsItsTraceparentAndEachAttemptIsANewSpan) {
  start(503, "Retry-After: 60\r\n");
  deliver(32, R"({"amount":1})", {{"x-kind", "currency"}, {"traceparent", k_traceparent}});
  const amqp::message m = parked();
  EXPECT_EQ(header(m, "traceparent"), k_traceparent);  // unchanged on the parked command
  publisher_.settle(0, publish_status::confirmed);
  EXPECT_TRUE(only_settle().acked);

  // Its retry, as the delay queue hands it back.
  deliver(33, R"({"amount":1})", m.headers);
  ASSERT_TRUE(publisher_.wait_for_published(2));
  ASSERT_EQ(requests_seen(), 2u);
  const auto seen = server_->seen();
  const auto first =
      tracing::parse_traceparent(std::string(seen.requests[0].message["traceparent"]));
  const auto second =
      tracing::parse_traceparent(std::string(seen.requests[1].message["traceparent"]));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->trace, second->trace);
  EXPECT_NE(first->parent, second->parent);
  ASSERT_TRUE(spans_.wait_for(2));
  const auto spans = spans_.spans();
  EXPECT_TRUE(spans[0].error);  // a 503
  EXPECT_EQ(test::recording_span_sink::attribute(spans[1], "rai.attempt"), "2");
  EXPECT_EQ(spans[0].parent, spans[1].parent);  // both children of the command's context
  publisher_.settle(1, publish_status::confirmed);
  // Both deliveries settled before the fixture goes: no coroutine outlives it.
  EXPECT_TRUE(consumer_.wait_for_settles(2));
  EXPECT_TRUE(idle());
}

TEST_F(OutboundSenderTest, WithoutATraceparentTheFirstAttemptStartsATraceItsRetriesContinue) {
  start(503, "Retry-After: 60\r\n");
  deliver(34, R"({"amount":1})", {{"x-kind", "currency"}, {"traceparent", "00-garbage"}});
  const amqp::message m = parked();
  ASSERT_EQ(requests_seen(), 1u);
  const auto sent =
      tracing::parse_traceparent(std::string(server_->seen().requests[0].message["traceparent"]));
  ASSERT_TRUE(sent);
  // The parked command carries the trace, the first attempt as its parent;
  // the malformed header is not kept beside it.
  EXPECT_EQ(header(m, "traceparent"), tracing::format_traceparent(*sent));
  std::size_t traceparents = 0;
  for (const auto& [k, v] : m.headers) traceparents += k == "traceparent";
  EXPECT_EQ(traceparents, 1u);
  ASSERT_TRUE(spans_.wait_for(1));
  EXPECT_EQ(spans_.spans().at(0).parent, tracing::span_id{});  // the root of the trace
  publisher_.settle(0, publish_status::confirmed);
  EXPECT_TRUE(only_settle().acked);

  deliver(35, R"({"amount":1})", m.headers);
  ASSERT_TRUE(publisher_.wait_for_published(2));
  const auto again =
      tracing::parse_traceparent(std::string(server_->seen().requests[1].message["traceparent"]));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->trace, sent->trace);
  ASSERT_TRUE(spans_.wait_for(2));
  EXPECT_EQ(spans_.spans().at(1).parent, sent->parent);
  publisher_.settle(1, publish_status::confirmed);
  // Both deliveries settled before the fixture goes: no coroutine outlives it.
  EXPECT_TRUE(consumer_.wait_for_settles(2));
  EXPECT_TRUE(idle());
}

INSTANTIATE_TEST_SUITE_P(OutboundSenderTest, UnconfirmedNextHome,
                         ::testing::Values(publish_status::nacked, publish_status::returned,
                                           publish_status::unavailable,
                                           publish_status::connection_lost,
                                           publish_status::overloaded, publish_status::timed_out),
                         [](const auto& info) { return std::string(amqp::to_string(info.param)); });

}  // namespace
}  // namespace rai::gateway
