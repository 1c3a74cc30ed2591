// amqp::session against the real broker, in a scratch vhost: basic.get with
// manual ack, republish with typed headers, publisher confirms (confirmed,
// returned, timed out), and what the broker does with unacked messages.

#include "amqp/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "amqp/detail/amqp.hpp"
#include "amqp/topology.hpp"
#include "broker.hpp"

namespace rai::amqp {
namespace {

using namespace std::chrono_literals;
using test::broker_client;
using test::unique;
using test::wait_until;

constexpr const char* k_direct = "amq.direct";

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vhost_ = unique("rai-session-test-");
    std::string out;
    ASSERT_EQ(test::rabbitmqctl("-q add_vhost " + vhost_, out), 0) << out;
    created_ = true;
    ASSERT_EQ(test::rabbitmqctl("-q set_permissions -p " + vhost_ + " guest '.*' '.*' '.*'", out),
              0)
        << out;
    url_ = test::amqp_url_for_vhost(vhost_);
  }
  void TearDown() override {
    if (created_) test::rabbitmqctl_detached("-q delete_vhost " + vhost_);
  }

  session open(std::chrono::milliseconds timeout = 5s) {
    auto s = session::open({{url_}, timeout, "rai-session-test", {}});
    if (!s) ADD_FAILURE() << s.error().text;
    return std::move(s).value();
  }

  // A durable queue bound to amq.direct with its own name.
  void declare(session& s, const std::string& queue) {
    const auto declared = s.declare_bound_queue(queue, k_direct, queue, 0);
    ASSERT_TRUE(declared) << declared.error().text;
  }

  std::string vhost_;
  std::string url_;
  bool created_ = false;
};

TEST(SessionNoBroker, OpenNamesTheBrokerWithoutThePassword) {
  const auto s = session::open({{"amqp://guest:secret@127.0.0.1:1/"}, 2s, "rai-session-test", {}});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().text.find("cannot connect to amqp://guest@127.0.0.1:1/"), std::string::npos)
      << s.error().text;
  EXPECT_EQ(s.error().text.find("secret"), std::string::npos) << s.error().text;
}

TEST(SessionNoBroker, OpenTriesEveryNodeAndNamesEachRefusal) {
  const auto s =
      session::open({{"amqp://guest:secret@127.0.0.1:1/", "amqp://guest:secret@127.0.0.1:2/"},
                     2s,
                     "rai-session-test",
                     {}});
  ASSERT_FALSE(s);
  const std::string& text = s.error().text;
  EXPECT_NE(text.find("cannot connect to any of the 2 nodes"), std::string::npos) << text;
  EXPECT_NE(text.find("amqp://guest@127.0.0.1:1/: "), std::string::npos) << text;
  EXPECT_NE(text.find("amqp://guest@127.0.0.1:2/: "), std::string::npos) << text;
  EXPECT_EQ(text.find("secret"), std::string::npos) << text;
}

TEST_F(SessionTest, OpenSkipsNodesThatRefuse) {
  // Whichever node it starts at, the session ends up on the broker.
  for (int i = 0; i < 4; ++i) {
    auto s =
        session::open({{"amqp://guest:guest@127.0.0.1:1/", url_, "amqp://guest:guest@127.0.0.1:2/"},
                       2s,
                       "rai-session-test",
                       {}});
    ASSERT_TRUE(s) << s.error().text;
    EXPECT_EQ(s->where(), detail::redact_url(url_));
  }
}

TEST_F(SessionTest, MissingQueueIsAnErrorAndTheSessionRefusesMore) {
  session s = open();
  const auto count = s.ready_count("no-such-queue");
  ASSERT_FALSE(count);
  EXPECT_NE(count.error().text.find("404"), std::string::npos) << count.error().text;
  EXPECT_FALSE(s.ready_count("no-such-queue"));  // the channel is gone
  s.close();
  s.close();  // idempotent
}

TEST_F(SessionTest, TakenMessagesGoBackUnlessAcked) {
  session s = open();
  const std::string queue = unique("q-");
  declare(s, queue);
  ASSERT_TRUE(s.enable_confirms());
  for (const char* id : {"a", "b"}) {
    message m;
    m.exchange = k_direct;
    m.routing_key = queue;
    m.message_id = id;
    m.body = std::string("body-") + id;
    ASSERT_TRUE(s.publish(std::move(m), nullptr));
  }
  ASSERT_TRUE(s.await_confirms());
  EXPECT_EQ(s.ready_count(queue).value(), 2u);

  auto a = s.get(queue).value();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->message_id(), "a");
  EXPECT_EQ(a->body(), "body-a");
  EXPECT_FALSE(a->redelivered());
  auto b = s.get(queue).value();
  ASSERT_TRUE(b);
  EXPECT_FALSE(s.get(queue).value());  // empty: both are taken
  ASSERT_TRUE(s.ack(*a));
  s.close();  // b was never acked: the broker puts it back

  session again = open();
  EXPECT_TRUE(wait_until([&] { return again.ready_count(queue).value() == 1; }, 5s));
  auto back = again.get(queue).value();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->message_id(), "b");
  EXPECT_TRUE(back->redelivered());
}

TEST_F(SessionTest, RepublishKeepsTypedHeadersDropsAndAdds) {
  session s = open();
  const std::string from = unique("from-");
  const std::string to = unique("to-");
  declare(s, from);
  declare(s, to);

  broker_client raw(url_);
  ASSERT_TRUE(raw.ok()) << raw.error();
  amqp_table_entry_t headers[3];
  headers[0].key = amqp_cstring_bytes("x-kind");
  headers[0].value.kind = AMQP_FIELD_KIND_UTF8;
  headers[0].value.value.bytes = amqp_cstring_bytes("currency");
  headers[1].key = amqp_cstring_bytes("x-attempt");
  headers[1].value.kind = AMQP_FIELD_KIND_I32;
  headers[1].value.value.i32 = 9;
  headers[2].key = amqp_cstring_bytes("x-drop");
  headers[2].value.kind = AMQP_FIELD_KIND_UTF8;
  headers[2].value.value.bytes = amqp_cstring_bytes("gone");
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_HEADERS_FLAG |
                 AMQP_BASIC_EXPIRATION_FLAG | AMQP_BASIC_TIMESTAMP_FLAG;
  props.message_id = amqp_cstring_bytes("cmd-1");
  props.type = amqp_cstring_bytes("currency");
  props.expiration = amqp_cstring_bytes("600000");
  props.timestamp = 1714557600;
  props.headers.num_entries = 3;
  props.headers.entries = headers;
  ASSERT_TRUE(raw.publish(k_direct, from, props, "{\"a\":1}")) << raw.error();
  ASSERT_TRUE(wait_until([&] { return s.ready_count(from).value() == 1; }, 5s));

  auto m = s.get(from).value();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type(), "currency");
  EXPECT_EQ(m->header("x-attempt"), std::optional<std::string>("9"));  // an int, as text
  EXPECT_EQ(m->header("x-kind"), std::optional<std::string>("currency"));
  EXPECT_EQ(m->header("x-none"), std::nullopt);

  ASSERT_TRUE(s.enable_confirms());
  republish_edit edit;
  edit.drop_header = [](std::string_view name) { return name == "x-drop"; };
  edit.add_headers.emplace_back("x-new", "v");
  std::optional<publish_status> status;
  ASSERT_TRUE(s.republish(*m, k_direct, to, edit, [&](publish_status st) { status = st; }));
  EXPECT_EQ(s.unconfirmed(), 1u);
  ASSERT_TRUE(s.await_confirms());
  EXPECT_EQ(status, publish_status::confirmed);
  ASSERT_TRUE(s.ack(*m));

  const auto copy = raw.get_message(to);
  ASSERT_TRUE(copy) << raw.error();
  EXPECT_EQ(copy->body, "{\"a\":1}");
  EXPECT_EQ(copy->message_id, "cmd-1");
  EXPECT_EQ(copy->type, "currency");
  EXPECT_EQ(copy->timestamp, 1714557600u);
  EXPECT_EQ(copy->delivery_mode, 2);
  EXPECT_FALSE(copy->headers_all_strings);  // x-attempt kept as an int
  const std::vector<std::pair<std::string, std::string>> want = {{"x-kind", "currency"},
                                                                 {"x-new", "v"}};
  EXPECT_EQ(copy->headers, want);
  EXPECT_EQ(s.ready_count(from).value(), 0u);
}

TEST_F(SessionTest, ConfirmsSettleEachPublishOnce) {
  session s = open();
  const std::string queue = unique("q-");
  declare(s, queue);

  std::optional<publish_status> early;
  EXPECT_FALSE(s.publish(message{}, [&](publish_status st) { early = st; }));
  EXPECT_EQ(early, publish_status::unavailable);  // confirms not enabled

  ASSERT_TRUE(s.enable_confirms());
  std::vector<publish_status> got;
  for (const std::string& key : {queue, std::string("nobody-binds-this"), queue}) {
    message m;
    m.exchange = k_direct;
    m.routing_key = key;
    m.message_id = unique("m-");
    ASSERT_TRUE(s.publish(std::move(m), [&](publish_status st) { got.push_back(st); }));
  }
  ASSERT_TRUE(s.await_confirms());
  ASSERT_EQ(got.size(), 3u);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<publish_status>{publish_status::confirmed, publish_status::confirmed,
                                              publish_status::returned}));
  EXPECT_EQ(s.unconfirmed(), 0u);
}

TEST_F(SessionTest, ChannelClosedByTheBrokerIsAnErrorAndSettlesTheRest) {
  session s = open();
  ASSERT_TRUE(s.enable_confirms());
  std::vector<publish_status> got;
  message m;
  m.exchange = "no-such-exchange";  // 404: the broker closes the confirm channel
  m.routing_key = "x";
  ASSERT_TRUE(s.publish(std::move(m), [&](publish_status st) { got.push_back(st); }));
  const auto r = s.await_confirms();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().text.find("404"), std::string::npos) << r.error().text;
  s.close();
  EXPECT_EQ(got, std::vector<publish_status>{publish_status::connection_lost});
}

TEST_F(SessionTest, StreamConsumerReadsFromFirstOrAnOffsetWithEachMessagesOffset) {
  session s = open();
  history_settings history;
  history.enabled = true;
  ASSERT_TRUE(s.declare_topology(queue_type::classic, names::events_exchange, history));
  ASSERT_TRUE(s.enable_confirms());
  for (const char* id : {"e0", "e1", "e2"}) {
    message m;
    m.exchange = names::events_exchange;
    m.routing_key = std::string("returning.src.") + id;
    m.message_id = id;
    m.body = std::string("body-") + id;
    m.timestamp = 1'700'000'000;
    m.headers = {{"x-source", "src"}};
    ASSERT_TRUE(s.publish(std::move(m), nullptr));
  }
  ASSERT_TRUE(s.await_confirms());

  session reader = open();
  ASSERT_TRUE(reader.consume_stream(names::history_stream, {}, 10));
  for (int i = 0; i < 3; ++i) {
    auto m = reader.next_delivery(5s);
    ASSERT_TRUE(m) << m.error().text;
    ASSERT_TRUE(*m);
    EXPECT_EQ((**m).message_id(), "e" + std::to_string(i));
    EXPECT_EQ((**m).header("x-stream-offset"), std::to_string(i));
    EXPECT_EQ((**m).header("x-source"), "src");
    EXPECT_EQ((**m).timestamp(), 1'700'000'000);
    EXPECT_EQ((**m).routing_key(), "returning.src.e" + std::to_string(i));
    ASSERT_TRUE(reader.ack(**m, /*multiple=*/true));
  }
  const auto none = reader.next_delivery(200ms);  // the end: nothing, not an error
  ASSERT_TRUE(none) << none.error().text;
  EXPECT_FALSE(*none);

  session from_two = open();
  session::stream_start at_two;
  at_two.from = session::stream_start::kind::offset;
  at_two.value = 2;
  ASSERT_TRUE(from_two.consume_stream(names::history_stream, at_two, 10));
  auto m = from_two.next_delivery(5s);
  ASSERT_TRUE(m && *m);
  EXPECT_EQ((**m).message_id(), "e2");

  session missing = open();
  const auto refused = missing.consume_stream("no-such-stream", {}, 10);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().text.find("404"), std::string::npos) << refused.error().text;
}

}  // namespace
}  // namespace rai::amqp
