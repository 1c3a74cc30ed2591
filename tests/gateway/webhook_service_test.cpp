// webhook_service against a fake publisher (tests/support/fake_publisher.hpp)
// and a real spool in a temporary directory: every way a webhook that passed
// the pipeline can end (fresh, duplicate, in flight; confirmed, or not
// confirmed and then spooled or refused with 503).

#include "gateway/webhook_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <deque>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "spool/spool.hpp"
#include "tests/support/fake_publisher.hpp"
#include "tests/support/recording_span_sink.hpp"
#include "tests/support/temp_dir.hpp"
#include "tracing/trace_context.hpp"

namespace rai::gateway {
namespace {

using namespace std::chrono_literals;
using amqp::publish_status;

constexpr const char* api_key = "shop-api-key-1";

gateway_config make_config() {
  gateway_config c;
  c.server.retry_after = std::chrono::seconds(7);
  c.dedupe.max_entries = 1024;  // the default million would allocate 20 MiB per test
  handlers::source_settings shop;
  shop.name = "shop";
  shop.api_keys = {api_key};
  shop.require_encryption = false;  // plaintext JSON: the pipeline is not what is tested here
  c.sources = {shop};
  return c;
}

std::string event_body(std::string_view id) {
  return R"({"id":")" + std::string(id) + R"(","event":"user_joined","user":{"id":"u-1"}})";
}

unsigned status_of(const http_response& r) {
  return static_cast<unsigned>(r.result_int());
}

class WebhookServiceTest : public ::testing::Test {
 protected:
  ~WebhookServiceTest() override {
    work_.reset();
    ioc_.stop();
    io_thread_.join();
  }

  // The service under test; with_spool: a real spool, opened, not forwarding.
  void start(bool with_spool, std::uint64_t spool_max_bytes = std::uint64_t{1} << 20) {
    if (with_spool) {
      spool::spool_settings s;
      s.dir = dir_.spool_dir();
      s.max_bytes = spool_max_bytes;
      spool_ = std::make_unique<spool::spool>(s);
      spool_->open();
    }
    service_ = std::make_unique<webhook_service>(config_, publisher_, spool_.get(), metrics_,
                                                 nullptr, &spans_);
  }

  // Starts handling a POST /webhooks/shop of the event `id` on the io thread.
  std::future<http_response> post(std::string_view id,
                                  std::vector<std::pair<std::string, std::string>> extra = {}) {
    http_request& req = requests_.emplace_back(http::verb::post, "/webhooks/shop", 11);
    req.set(http::field::content_type, "application/json");
    req.set("x-api-key", api_key);
    for (const auto& [k, v] : extra) req.insert(k, v);
    req.body() = event_body(id);
    req.prepare_payload();
    return net::co_spawn(ioc_, service_->handle(req), net::use_future);
  }

  // The response, or a failure (and a 0 status) if none comes within 5 s.
  static http_response answer(std::future<http_response>& f) {
    if (f.wait_for(5s) != std::future_status::ready) {
      ADD_FAILURE() << "no response within 5 s";
      return http_response{};
    }
    return f.get();
  }

  // A publish the service made, settled by the test: answers the request.
  http_response settled(std::future<http_response> f, std::size_t index, publish_status s) {
    EXPECT_TRUE(publisher_.wait_for_published(index + 1));
    // Nothing is answered before the publish settles.
    EXPECT_EQ(f.wait_for(20ms), std::future_status::timeout);
    publisher_.settle(index, s);
    return answer(f);
  }

  std::uint64_t spooled() const { return spool_ ? spool_->stats().appended : 0; }
  std::uint64_t duplicates() { return metrics_.of("shop").duplicates.value(); }

  // Declared first, destroyed last: completions still held by the fakes
  // keep work guards on it.
  net::io_context ioc_{1};
  test::fake_publisher publisher_;
  test::recording_span_sink spans_;
  inbound_metrics metrics_;
  gateway_config config_ = make_config();
  test::temp_dir dir_;
  std::unique_ptr<spool::spool> spool_;
  std::unique_ptr<webhook_service> service_;
  std::deque<http_request> requests_;  // each lives as long as its handling
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(ioc_);
  std::thread io_thread_{[this] { ioc_.run(); }};
};

TEST_F(WebhookServiceTest, AFreshEventIsAnsweredOnlyOnceTheBrokerConfirmsIt) {
  start(false);
  const http_response res = settled(post("evt-1"), 0, publish_status::confirmed);
  ASSERT_EQ(status_of(res), 200u);
  EXPECT_EQ(res.body(), R"({"status":"accepted","id":"evt-1","event":"user-joined"})");
  ASSERT_EQ(publisher_.published(), 1u);

  const amqp::message m = publisher_.message(0);
  EXPECT_EQ(m.exchange, "returning.events");
  EXPECT_EQ(m.routing_key, "returning.shop.user-joined");
  EXPECT_EQ(m.message_id, "evt-1");
  EXPECT_EQ(m.type, "user-joined");
  EXPECT_EQ(m.body, event_body("evt-1"));  // the event as sent, byte for byte
  EXPECT_GT(m.timestamp, 1'700'000'000);
  ASSERT_EQ(m.headers.size(), 4u);
  EXPECT_EQ(m.headers[0], (std::pair<std::string, std::string>("x-source", "shop")));
  EXPECT_EQ(m.headers[1].first, "x-received-at");
  EXPECT_EQ(m.headers[1].second.size(), 24u) << m.headers[1].second;  // RFC 3339, ms, Z
  EXPECT_TRUE(m.headers[1].second.ends_with("Z"));
  EXPECT_EQ(m.headers[2].first, "x-auth");
  EXPECT_NE(m.headers[2].second.find("api-key"), std::string::npos) << m.headers[2].second;
  // No traceparent came: the gateway started a trace, its span the parent.
  EXPECT_EQ(m.headers[3].first, "traceparent");
  const auto context = tracing::parse_traceparent(m.headers[3].second);
  ASSERT_TRUE(context) << m.headers[3].second;
  EXPECT_EQ(context->flags, 0x01);
  ASSERT_TRUE(spans_.wait_for(1));
  const tracing::span_record span = spans_.spans().at(0);
  EXPECT_EQ(span.trace, context->trace);
  EXPECT_EQ(span.id, context->parent);
  EXPECT_EQ(span.parent, tracing::span_id{});  // a root span
}

// docs/wire-format.md §8: the received trace continues through the gateway's
// server span into the published message.
constexpr const char* k_traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::optional<std::string> header(const amqp::message& m, std::string_view name) {
  for (const auto& [k, v] : m.headers)
    if (k == name) return v;
  return std::nullopt;
}

TEST_F(WebhookServiceTest, AReceivedTraceparentContinuesOnThePublishedMessage) {
  start(false);
  const http_response res = settled(
      post("evt-traced", {{"traceparent", k_traceparent}, {"tracestate", "rojo=1,congo=2"}}), 0,
      publish_status::confirmed);
  ASSERT_EQ(status_of(res), 200u);
  const amqp::message m = publisher_.message(0);
  const auto published = tracing::parse_traceparent(header(m, "traceparent").value_or(""));
  ASSERT_TRUE(published);
  EXPECT_EQ(tracing::to_hex(published->trace), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(tracing::to_hex(published->parent), "00f067aa0ba902b7");  // the gateway's span
  EXPECT_EQ(published->flags, 0x01);
  EXPECT_EQ(header(m, "tracestate"), "rojo=1,congo=2");

  // One server span: the received parent's child, the published message's parent.
  ASSERT_TRUE(spans_.wait_for(1));
  const auto spans = spans_.spans();
  ASSERT_EQ(spans.size(), 1u);
  const tracing::span_record& s = spans[0];
  EXPECT_EQ(s.kind, tracing::span_kind::server);
  EXPECT_EQ(s.name, "POST /webhooks/{source}");
  EXPECT_EQ(s.trace, published->trace);
  EXPECT_EQ(s.id, published->parent);
  EXPECT_EQ(tracing::to_hex(s.parent), "00f067aa0ba902b7");
  EXPECT_FALSE(s.error);
  EXPECT_LE(s.start, s.end);
  EXPECT_EQ(test::recording_span_sink::attribute(s, "http.response.status_code"), "200");
  EXPECT_EQ(test::recording_span_sink::attribute(s, "rai.source"), "shop");
  EXPECT_EQ(test::recording_span_sink::attribute(s, "rai.event_id"), "evt-traced");
}

TEST_F(WebhookServiceTest, AMalformedTraceparentIsReplacedByANewTraceAndItsTracestateDropped) {
  start(false);
  publisher_.settle_at_once(publish_status::confirmed);
  for (const char* bad : {"00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "junk"}) {
    const std::string id = "evt-bad-" + std::to_string(publisher_.published());
    auto f = post(id, {{"traceparent", bad}, {"tracestate", "rojo=1"}});
    ASSERT_EQ(status_of(answer(f)), 200u) << bad;
    const amqp::message m = publisher_.message(publisher_.published() - 1);
    const auto published = tracing::parse_traceparent(header(m, "traceparent").value_or(""));
    ASSERT_TRUE(published) << bad;
    EXPECT_NE(tracing::to_hex(published->trace), "4bf92f3577b34da6a3ce929d0e0e4736") << bad;
    EXPECT_FALSE(header(m, "tracestate")) << bad;
  }
}

TEST_F(WebhookServiceTest, TwoTraceparentHeadersAreNoContext) {
  start(false);
  publisher_.settle_at_once(publish_status::confirmed);
  auto f = post("evt-two", {{"traceparent", k_traceparent}, {"traceparent", k_traceparent}});
  ASSERT_EQ(status_of(answer(f)), 200u);
  const auto published =
      tracing::parse_traceparent(header(publisher_.message(0), "traceparent").value_or(""));
  ASSERT_TRUE(published);
  EXPECT_NE(tracing::to_hex(published->trace), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST_F(WebhookServiceTest, AnInvalidTracestateIsDroppedAndTheTraceKept) {
  start(false);
  publisher_.settle_at_once(publish_status::confirmed);
  auto f = post("evt-state", {{"traceparent", k_traceparent}, {"tracestate", "rojo=\x01,Bad"}});
  ASSERT_EQ(status_of(answer(f)), 200u);
  const amqp::message m = publisher_.message(0);
  EXPECT_TRUE(
      header(m, "traceparent").value_or("").starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
  EXPECT_FALSE(header(m, "tracestate"));
}

TEST_F(WebhookServiceTest, AnUnsampledTraceIsCarriedButNoSpanIsRecorded) {
  start(false);
  publisher_.settle_at_once(publish_status::confirmed);
  auto f = post("evt-unsampled",
                {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}});
  ASSERT_EQ(status_of(answer(f)), 200u);
  const std::string published = header(publisher_.message(0), "traceparent").value_or("");
  EXPECT_TRUE(published.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")) << published;
  EXPECT_TRUE(published.ends_with("-00")) << published;
  EXPECT_TRUE(spans_.spans().empty());
}

TEST_F(WebhookServiceTest, ARefusedRequestIsAServerSpanToo) {
  start(false);
  http_request& req = requests_.emplace_back(http::verb::post, "/webhooks/shop", 11);
  req.set("x-api-key", "not-the-key");
  req.set("traceparent", k_traceparent);
  req.body() = event_body("evt-refused-span");
  req.prepare_payload();
  auto f = net::co_spawn(ioc_, service_->handle(req), net::use_future);
  EXPECT_EQ(status_of(answer(f)), 401u);
  ASSERT_TRUE(spans_.wait_for(1));
  const tracing::span_record s = spans_.spans().at(0);
  EXPECT_EQ(tracing::to_hex(s.trace), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(test::recording_span_sink::attribute(s, "http.response.status_code"), "401");
  EXPECT_TRUE(test::recording_span_sink::attribute(s, "error.type"));
}

TEST_F(WebhookServiceTest, AConfirmedIdIsADuplicateAndNotPublishedAgain) {
  start(false);
  publisher_.settle_at_once(publish_status::confirmed);
  auto first = post("evt-dup");
  EXPECT_EQ(status_of(answer(first)), 200u);
  auto again = post("evt-dup");
  const http_response res = answer(again);
  EXPECT_EQ(status_of(res), 200u);
  EXPECT_EQ(res.body(),
            R"({"status":"accepted","id":"evt-dup","event":"user-joined","duplicate":true})");
  EXPECT_EQ(publisher_.published(), 1u);
  EXPECT_EQ(duplicates(), 1u);
}

TEST_F(WebhookServiceTest, TheSameIdWhileItsPublishIsInFlightIs503) {
  start(true);
  auto first = post("evt-race");
  ASSERT_TRUE(publisher_.wait_for_published(1));

  auto second = post("evt-race");
  const http_response busy = answer(second);
  EXPECT_EQ(status_of(busy), 503u);
  EXPECT_EQ(busy[http::field::retry_after], "7");
  EXPECT_NE(busy.body().find("the same event is being accepted"), std::string::npos);
  EXPECT_EQ(publisher_.published(), 1u);  // the second never published

  publisher_.settle(0, publish_status::confirmed);
  EXPECT_EQ(status_of(answer(first)), 200u);
  // The first one's outcome decided: a retry now is a duplicate.
  auto third = post("evt-race");
  EXPECT_NE(answer(third).body().find(R"("duplicate":true)"), std::string::npos);
  EXPECT_EQ(publisher_.published(), 1u);
  EXPECT_EQ(spooled(), 0u);
}

// The broker failed, or did not confirm in time: the spool takes the event,
// the sender gets its 200, and the id counts as accepted.
class LostPublish : public WebhookServiceTest,
                    public ::testing::WithParamInterface<publish_status> {};

TEST_P(LostPublish, IsSpooledAnswered200AndForwardedAsPublished) {
  start(true);
  const http_response res = settled(post("evt-lost"), 0, GetParam());
  ASSERT_EQ(status_of(res), 200u) << res.body();
  EXPECT_EQ(res.body(), R"({"status":"accepted","id":"evt-lost","event":"user-joined"})");
  EXPECT_EQ(spooled(), 1u);

  // A retry of the sender is a duplicate: the spool holds the event.
  auto again = post("evt-lost");
  EXPECT_NE(answer(again).body().find(R"("duplicate":true)"), std::string::npos);
  EXPECT_EQ(publisher_.published(), 1u);

  // What the spool forwards is the message the service tried to publish.
  test::fake_publisher forwarded(publish_status::confirmed);
  spool_->start_forwarding(spool::forward_to(forwarded));
  ASSERT_TRUE(forwarded.wait_for_published(1));
  spool_->stop_forwarding();
  const amqp::message sent = publisher_.message(0);
  const amqp::message from_spool = forwarded.message(0);
  EXPECT_EQ(from_spool.exchange, sent.exchange);
  EXPECT_EQ(from_spool.routing_key, sent.routing_key);
  EXPECT_EQ(from_spool.message_id, sent.message_id);
  EXPECT_EQ(from_spool.type, sent.type);
  EXPECT_EQ(from_spool.timestamp, sent.timestamp);
  EXPECT_EQ(from_spool.body, sent.body);
  auto headers = sent.headers;
  headers.emplace_back("x-spooled", "true");
  EXPECT_EQ(from_spool.headers, headers);
}

INSTANTIATE_TEST_SUITE_P(WebhookServiceTest, LostPublish,
                         ::testing::Values(publish_status::unavailable,
                                           publish_status::connection_lost,
                                           publish_status::timed_out, publish_status::nacked),
                         [](const auto& info) { return std::string(amqp::to_string(info.param)); });

// Backpressure is a quick 503, and a returned event (no route) would only be
// returned again when forwarded: neither is spooled. The id is released, so
// the sender's retry publishes anew.
class RefusedPublish : public WebhookServiceTest,
                       public ::testing::WithParamInterface<publish_status> {};

TEST_P(RefusedPublish, Is503WithoutSpoolingAndTheRetryPublishesAgain) {
  start(true);
  const http_response res = settled(post("evt-refused"), 0, GetParam());
  EXPECT_EQ(status_of(res), 503u);
  EXPECT_EQ(res[http::field::retry_after], "7");
  EXPECT_NE(res.body().find("event could not be made durable"), std::string::npos);
  EXPECT_EQ(spooled(), 0u);

  const http_response retry = settled(post("evt-refused"), 1, publish_status::confirmed);
  EXPECT_EQ(status_of(retry), 200u);
  EXPECT_EQ(retry.body().find("duplicate"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(WebhookServiceTest, RefusedPublish,
                         ::testing::Values(publish_status::overloaded, publish_status::returned),
                         [](const auto& info) { return std::string(amqp::to_string(info.param)); });

// Without a spool (spool.enabled = false) nothing but a confirm is durable.
class NoSpool : public WebhookServiceTest, public ::testing::WithParamInterface<publish_status> {};

TEST_P(NoSpool, EveryUnconfirmedPublishIs503AndReleasesTheId) {
  start(false);
  const http_response res = settled(post("evt-nospool"), 0, GetParam());
  EXPECT_EQ(status_of(res), 503u);
  EXPECT_EQ(res[http::field::retry_after], "7");

  const http_response retry = settled(post("evt-nospool"), 1, publish_status::confirmed);
  EXPECT_EQ(status_of(retry), 200u);
  EXPECT_EQ(retry.body().find("duplicate"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(WebhookServiceTest, NoSpool,
                         ::testing::Values(publish_status::unavailable,
                                           publish_status::connection_lost,
                                           publish_status::timed_out, publish_status::nacked,
                                           publish_status::overloaded, publish_status::returned),
                         [](const auto& info) { return std::string(amqp::to_string(info.param)); });

TEST_F(WebhookServiceTest, ASpoolThatRefusesTheEventMeans503) {
  start(true, /*spool_max_bytes=*/16);  // smaller than any record: `full`
  const http_response res = settled(post("evt-full"), 0, publish_status::connection_lost);
  EXPECT_EQ(status_of(res), 503u);
  EXPECT_EQ(res[http::field::retry_after], "7");
  EXPECT_EQ(spooled(), 0u);
  EXPECT_TRUE(spool_->stats().full);

  // Not accepted: the id is free for the retry.
  const http_response retry = settled(post("evt-full"), 1, publish_status::confirmed);
  EXPECT_EQ(status_of(retry), 200u);
  EXPECT_EQ(retry.body().find("duplicate"), std::string::npos);
}

TEST_F(WebhookServiceTest, AStoppedSpoolMeans503) {
  start(true);
  spool_->stop();
  const http_response res = settled(post("evt-stopped"), 0, publish_status::unavailable);
  EXPECT_EQ(status_of(res), 503u);
  EXPECT_EQ(spooled(), 0u);
}

TEST_F(WebhookServiceTest, ARejectedEventNeverReachesThePublisher) {
  start(true);
  http_request& req = requests_.emplace_back(http::verb::post, "/webhooks/shop", 11);
  req.set("x-api-key", "not-the-key");
  req.body() = event_body("evt-unauthorized");
  req.prepare_payload();
  auto f = net::co_spawn(ioc_, service_->handle(req), net::use_future);
  EXPECT_EQ(status_of(answer(f)), 401u);

  http_request& bad = requests_.emplace_back(http::verb::post, "/webhooks/shop", 11);
  bad.set("x-api-key", api_key);
  bad.body() = "{not json";
  bad.prepare_payload();
  auto g = net::co_spawn(ioc_, service_->handle(bad), net::use_future);
  EXPECT_EQ(status_of(answer(g)) / 100, 4u);

  EXPECT_EQ(publisher_.published(), 0u);
  EXPECT_EQ(spooled(), 0u);
}

}  // namespace
}  // namespace rai::gateway
