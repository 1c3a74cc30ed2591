// Outbound consumer and retry ladder tests against a real RabbitMQ
// (RAI_AMQP_URL, default amqp://guest:guest@127.0.0.1:5672/). They fail, not
// skip, without a broker. returning.outbound is shared with other suites:
// every test purges it (and the ladder queues it uses) first and uses fresh
// message ids.

#include "amqp/consumer.hpp"

#include <amqp.h>
#include <amqp_framing.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "amqp/detail/amqp.hpp"
#include "amqp/detail/topology.hpp"
#include "amqp/publisher.hpp"
#include "amqp/topology.hpp"
#include "broker.hpp"

namespace rai::amqp {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using test::broker_client;
using test::unique;
using test::wait_until;
using steady = std::chrono::steady_clock;

const std::vector<milliseconds> k_test_rungs = {1s, 2s, 5s};

// What the handler saw, with the time it saw it.
class recorder {
 public:
  consumer::handler handler() {
    return [this](delivery&& d) {
      std::lock_guard lock(mu_);
      seen_.push_back({std::move(d), steady::now()});
      cv_.notify_all();
    };
  }
  bool wait_for(std::size_t n, milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return seen_.size() >= n; });
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return seen_.size();
  }
  delivery at(std::size_t i) const {
    std::lock_guard lock(mu_);
    return seen_.at(i).d;
  }
  // The latest delivery with this message id, and when it arrived.
  std::optional<std::pair<delivery, steady::time_point>> last_with_id(const std::string& id) const {
    std::lock_guard lock(mu_);
    for (auto it = seen_.rbegin(); it != seen_.rend(); ++it) {
      if (it->d.message_id == id) return std::make_pair(it->d, it->at);
    }
    return std::nullopt;
  }
  std::size_t count_id(const std::string& id) const {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(std::count_if(
        seen_.begin(), seen_.end(), [&](const entry& e) { return e.d.message_id == id; }));
  }
  bool wait_for_id(const std::string& id, std::size_t times, milliseconds timeout) {
    return wait_until([&] { return count_id(id) >= times; }, timeout);
  }

 private:
  struct entry {
    delivery d;
    steady::time_point at;
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<entry> seen_;
};

amqp_settings test_amqp() {
  amqp_settings s;
  s.urls = {test::amqp_url()};
  s.connection_name = unique("rai-consumer-test-");
  s.heartbeat = 10s;
  s.connect_timeout = 2000ms;
  s.reconnect_min = 50ms;
  s.reconnect_max = 400ms;
  return s;
}

consumer_settings test_consumer(std::uint16_t prefetch = 64) {
  consumer_settings s;
  s.prefetch = prefetch;
  s.retry_rungs = k_test_rungs;
  s.drain_timeout = 1000ms;
  return s;
}

::testing::AssertionResult comes_up(const consumer& c, milliseconds timeout = 10s) {
  if (wait_until([&] { return c.connected(); }, timeout)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "consumer did not connect to " << test::amqp_url() << " within " << timeout.count()
         << " ms (is RabbitMQ running?)";
}

::testing::AssertionResult comes_up(const publisher& p, milliseconds timeout = 10s) {
  if (wait_until([&] { return p.connected(); }, timeout)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "publisher did not connect to " << test::amqp_url();
}

publish_status publish_one(publisher& p, message m) {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<publish_status> status;
  p.publish(std::move(m), [&](publish_status s) {
    std::lock_guard lock(mu);
    status = s;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, 10s, [&] { return status.has_value(); }))
      << "completion never called";
  return status.value_or(publish_status::timed_out);
}

// A command as the gateway's internal endpoint or the CRM would publish it.
message command(std::string id, std::string exchange = names::commands_exchange,
                std::string routing_key = names::outbound_routing_key) {
  message m;
  m.exchange = std::move(exchange);
  m.routing_key = std::move(routing_key);
  m.message_id = std::move(id);
  m.type = "channel-message";
  m.body = R"({"text":"hello","id":")" + m.message_id + R"("})";
  m.timestamp = 1700000000;
  m.headers = {{"x-kind", "channel-message"}};
  return m;
}

std::string header(const delivery& d, const std::string& key) {
  for (const auto& [k, v] : d.headers) {
    if (k == key) return v;
  }
  return "<absent>";
}

class ConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(client_.ok()) << "no broker at " << test::amqp_url() << ": " << client_.error();
    const auto topology =
        detail::declare_topology(client_.get(), 1, queue_type::classic, names::events_exchange);
    ASSERT_TRUE(topology) << topology.error().text;
    const auto ladder =
        detail::declare_retry_ladder(client_.get(), 1, queue_type::classic, k_test_rungs);
    ASSERT_TRUE(ladder) << ladder.error().text;
    ASSERT_TRUE(client_.purge(names::outbound_queue)) << client_.error();
    for (const milliseconds rung : k_test_rungs) {
      ASSERT_TRUE(client_.purge(retry_queue_name(rung))) << client_.error();
    }
  }

  // Publishes straight to returning.commands / outbound, unconfirmed.
  void send(const std::string& id) {
    amqp_basic_properties_t props{};
    props._flags = AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.message_id = detail::bytes_of(id);
    props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    ASSERT_TRUE(client_.publish(names::commands_exchange, names::outbound_routing_key, props, "{}"))
        << client_.error();
  }

  std::optional<std::uint32_t> outbound_count() {
    return client_.message_count(names::outbound_queue);
  }

  broker_client client_;
};

TEST(RetryLadder, ConsumerRefusesABadRung) {
  consumer_settings s = test_consumer();
  s.retry_rungs = {1s, 0ms};
  EXPECT_THROW(consumer(test_amqp(), s, [](delivery&&) {}), std::invalid_argument);
  s.retry_rungs = {milliseconds{std::int64_t{1} << 32}};
  EXPECT_THROW(consumer(test_amqp(), s, [](delivery&&) {}), std::invalid_argument);
}

// --- consuming -----------------------------------------------------------------------

TEST_F(ConsumerTest, ConsumesCommandsWithPropertiesAndHeadersAsText) {
  recorder r;
  consumer c(test_amqp(), test_consumer(), r.handler());
  c.start();
  ASSERT_TRUE(comes_up(c));

  // Through the publisher: string headers.
  publisher p(test_amqp());
  p.start();
  ASSERT_TRUE(comes_up(p));
  const std::string id1 = unique("cmd-");
  message m = command(id1);
  m.headers.emplace_back("x-received-at", "2023-11-14T22:13:20Z");
  const message sent = m;
  ASSERT_EQ(publish_one(p, std::move(m)), publish_status::confirmed);

  // Raw: headers of other kinds.
  const std::string id2 = unique("cmd-");
  amqp_table_entry_t entries[10];
  auto set = [&](int i, const char* key, char kind) {
    entries[i].key = amqp_cstring_bytes(key);
    entries[i].value.kind = static_cast<std::uint8_t>(kind);
  };
  set(0, "x-kind", AMQP_FIELD_KIND_UTF8);
  entries[0].value.value.bytes = amqp_cstring_bytes("currency");
  set(1, "x-attempt", AMQP_FIELD_KIND_I32);
  entries[1].value.value.i32 = -3;
  set(2, "x-big", AMQP_FIELD_KIND_I64);
  entries[2].value.value.i64 = 9000000000LL;
  set(3, "x-flag", AMQP_FIELD_KIND_BOOLEAN);
  entries[3].value.value.boolean = 1;
  set(4, "x-off", AMQP_FIELD_KIND_BOOLEAN);
  entries[4].value.value.boolean = 0;
  set(5, "x-ratio", AMQP_FIELD_KIND_F64);
  entries[5].value.value.f64 = 0.25;
  set(6, "x-small", AMQP_FIELD_KIND_U8);
  entries[6].value.value.u8 = 200;
  set(7, "x-table", AMQP_FIELD_KIND_TABLE);  // skipped
  entries[7].value.value.table = amqp_empty_table;
  set(8, "x-void", AMQP_FIELD_KIND_VOID);  // skipped
  set(9, "x-when", AMQP_FIELD_KIND_TIMESTAMP);
  entries[9].value.value.u64 = 1700000001;
  amqp_basic_properties_t props{};
  props._flags = AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_HEADERS_FLAG |
                 AMQP_BASIC_DELIVERY_MODE_FLAG;
  props.message_id = detail::bytes_of(id2);
  props.type = amqp_cstring_bytes("currency");
  props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
  props.headers.num_entries = 10;
  props.headers.entries = entries;
  ASSERT_TRUE(
      client_.publish(names::commands_exchange, names::outbound_routing_key, props, "{\"a\":1}"))
      << client_.error();

  ASSERT_TRUE(r.wait_for(2, 5s)) << r.size();
  const auto first = r.last_with_id(id1);
  const auto second = r.last_with_id(id2);
  ASSERT_TRUE(first && second);
  const delivery& d1 = first->first;
  EXPECT_EQ(d1.body, sent.body);
  EXPECT_EQ(d1.type, "channel-message");
  EXPECT_EQ(d1.content_type, "application/json");
  EXPECT_EQ(d1.timestamp, 1700000000);
  EXPECT_EQ(d1.headers, sent.headers);
  EXPECT_FALSE(d1.redelivered);
  EXPECT_GE(d1.generation, 1u);

  const delivery& d2 = second->first;
  EXPECT_EQ(d2.body, "{\"a\":1}");
  EXPECT_EQ(d2.type, "currency");
  EXPECT_EQ(d2.content_type, "");
  EXPECT_EQ(d2.timestamp, 0);
  EXPECT_EQ(d2.headers, (std::vector<std::pair<std::string, std::string>>{
                            {"x-kind", "currency"},
                            {"x-attempt", "-3"},
                            {"x-big", "9000000000"},
                            {"x-flag", "true"},
                            {"x-off", "false"},
                            {"x-ratio", "0.25"},
                            {"x-small", "200"},
                            {"x-when", "1700000001"},
                        }));
  EXPECT_NE(d1.tag, d2.tag);
  EXPECT_EQ(d1.generation, d2.generation);

  c.ack(d1.generation, d1.tag);
  c.ack(d2.generation, d2.tag);
  ASSERT_TRUE(wait_until([&] { return c.stats().acked == 2; }, 5s));
  c.stop();
  EXPECT_EQ(outbound_count(), std::optional<std::uint32_t>{0});
  const consumer_stats st = c.stats();
  EXPECT_EQ(st.delivered, 2u);
  EXPECT_EQ(st.dropped_settles, 0u);
}

TEST_F(ConsumerTest, PrefetchBoundsUnsettledDeliveries) {
  constexpr std::uint16_t prefetch = 3;
  recorder r;
  consumer c(test_amqp(), test_consumer(prefetch), r.handler());
  c.start();
  ASSERT_TRUE(comes_up(c));
  for (int i = 0; i < 8; ++i) send(unique("pf-"));

  ASSERT_TRUE(r.wait_for(prefetch, 5s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(r.size(), std::size_t{prefetch}) << "more deliveries than the prefetch";

  const delivery first = r.at(0);
  c.ack(first.generation, first.tag);
  ASSERT_TRUE(r.wait_for(prefetch + 1, 5s)) << "an ack frees one slot";
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(r.size(), std::size_t{prefetch + 1});

  c.stop();  // the 3 unsettled ones go back
  EXPECT_EQ(outbound_count(), std::optional<std::uint32_t>{7});
}

TEST_F(ConsumerTest, AckRemovesRejectRequeueRedeliversRejectDropRemoves) {
  recorder r;
  consumer c(test_amqp(), test_consumer(), r.handler());
  c.start();
  ASSERT_TRUE(comes_up(c));
  const std::string a = unique("ack-"), b = unique("requeue-"), d = unique("drop-");
  send(a);
  send(b);
  send(d);
  ASSERT_TRUE(r.wait_for(3, 5s));
  const delivery da = r.last_with_id(a)->first;
  const delivery db = r.last_with_id(b)->first;
  const delivery dd = r.last_with_id(d)->first;

  c.ack(da.generation, da.tag);
  c.reject(db.generation, db.tag, /*requeue=*/true);
  c.reject(dd.generation, dd.tag, /*requeue=*/false);

  ASSERT_TRUE(r.wait_for_id(b, 2, 5s)) << "requeued delivery not redelivered";
  const delivery again = r.last_with_id(b)->first;
  EXPECT_TRUE(again.redelivered);
  EXPECT_FALSE(db.redelivered);
  EXPECT_EQ(again.generation, db.generation);
  EXPECT_NE(again.tag, db.tag);
  c.ack(again.generation, again.tag);

  ASSERT_TRUE(wait_until([&] { return c.stats().acked == 2; }, 5s));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(r.count_id(a), 1u);
  EXPECT_EQ(r.count_id(d), 1u) << "dropped delivery came back";
  c.stop();
  EXPECT_EQ(outbound_count(), std::optional<std::uint32_t>{0}) << "returning.outbound has no DLX";
  const consumer_stats st = c.stats();
  EXPECT_EQ(st.delivered, 4u);
  EXPECT_EQ(st.acked, 2u);
  EXPECT_EQ(st.rejected, 2u);
  EXPECT_EQ(st.dropped_settles, 0u);
}

TEST_F(ConsumerTest, SecondSettleOfADeliveryIsDroppedAndTheChannelSurvives) {
  recorder r;
  consumer c(test_amqp(), test_consumer(), r.handler());
  c.start();
  ASSERT_TRUE(comes_up(c));
  const std::string id = unique("twice-");
  send(id);
  ASSERT_TRUE(r.wait_for(1, 5s));
  const delivery d = r.at(0);
  c.ack(d.generation, d.tag);
  c.ack(d.generation, d.tag);  // the broker would close the channel on this one
  c.reject(d.generation, d.tag, true);
  c.ack(d.generation + 1, d.tag);  // a generation that does not exist
  c.ack(0, d.tag);
  ASSERT_TRUE(wait_until([&] { return c.stats().dropped_settles == 4; }, 5s))
      << c.stats().dropped_settles;

  const std::string next = unique("after-");
  send(next);
  ASSERT_TRUE(r.wait_for_id(next, 1, 5s));
  const delivery n = r.last_with_id(next)->first;
  EXPECT_EQ(n.generation, d.generation) << "the connection was lost";
  c.ack(n.generation, n.tag);
  ASSERT_TRUE(wait_until([&] { return c.stats().acked == 2; }, 5s));
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.stats().reconnects, 0u);
  c.stop();
  EXPECT_EQ(outbound_count(), std::optional<std::uint32_t>{0});
}

TEST_F(ConsumerTest, HandlerMayAckOnTheConsumerThread) {
  consumer* self = nullptr;
  std::atomic<int> seen{0};
  consumer c(test_amqp(), test_consumer(), [&](delivery&& d) {
    ++seen;
    self->ack(d.generation, d.tag);
  });
  self = &c;
  c.start();
  ASSERT_TRUE(comes_up(c));
  for (int i = 0; i < 20; ++i) send(unique("inline-"));
  ASSERT_TRUE(wait_until([&] { return c.stats().acked == 20; }, 5s)) << c.stats().acked;
  EXPECT_EQ(seen.load(), 20);
  c.stop();
  EXPECT_EQ(outbound_count(), std::optional<std::uint32_t>{0});
}

TEST_F(ConsumerTest, ThrowingHandlerGetsTheDeliveryAgain) {
  std::atomic<int> calls{0};
  recorder r;
  auto record = r.handler();
  consumer c(test_amqp(), test_consumer(), [&](delivery&& d) {
    if (calls++ == 0) throw std::runtime_error("handler bug");
    record(std::move(d));
  });
  c.start();
  ASSERT_TRUE(comes_up(c));
  const std::string id = unique("throw-");
  send(id);
  ASSERT_TRUE(r.wait_for_id(id, 1, 5s));
  const delivery d = r.last_with_id(id)->first;
  EXPECT_TRUE(d.redelivered);
  c.ack(d.generation, d.tag);
  ASSERT_TRUE(wait_until([&] { return c.stats().acked == 1; }, 5s));
  EXPECT_EQ(c.stats().rejected, 1u);
  c.stop();
  EXPECT_EQ(outbound_count(), std::optional<std::uint32_t>{0});
}

TEST_F(ConsumerTest, ShortHeartbeatKeepsAnIdleConsumerUp) {
  amqp_settings s = test_amqp();
  s.heartbeat = 1s;  // the broker drops us after ~2 s without our heartbeats
  recorder r;
  consumer c(s, test_consumer(), r.handler());
  c.start();
  ASSERT_TRUE(comes_up(c));
  std::this_thread::sleep_for(3500ms);
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.stats().reconnects, 0u);
  const std::string id = unique("hb-");
  send(id);
  ASSERT_TRUE(r.wait_for_id(id, 1, 5s));
  const delivery d = r.last_with_id(id)->first;
  EXPECT_EQ(d.generation, 1u);
  c.ack(d.generation, d.tag);
  ASSERT_TRUE(wait_until([&] { return c.stats().acked == 1; }, 5s));
  c.stop();
}

// --- retry ladder ---------------------------------------------------------------------

TEST_F(ConsumerTest, RetryRungSendsTheMessageBackAfterItsTtl) {
  recorder r;
  consumer c(test_amqp(), test_consumer(), r.handler());
  c.start();
  ASSERT_TRUE(comes_up(c));  // declared the ladder
  publisher p(test_amqp());
  p.start();
  ASSERT_TRUE(comes_up(p));

  const std::string id = unique("retry-");
  const auto published = steady::now();
  ASSERT_EQ(publish_one(p, command(id, "", retry_queue_name(1s))), publish_status::confirmed);
  ASSERT_TRUE(r.wait_for_id(id, 1, 5s)) << "never came back from the 1s rung";
  const auto [d, at] = *r.last_with_id(id);
  const auto waited = std::chrono::duration_cast<milliseconds>(at - published);
  EXPECT_GE(waited, 900ms);
  EXPECT_LE(waited, 2500ms);
  EXPECT_EQ(d.type, "channel-message");
  EXPECT_EQ(header(d, "x-kind"), "channel-message");
  // RabbitMQ records the detour.
  EXPECT_EQ(header(d, "x-first-death-queue"), retry_queue_name(1s));
  EXPECT_EQ(header(d, "x-first-death-reason"), "expired");
  c.ack(d.generation, d.tag);
  ASSERT_TRUE(wait_until([&] { return c.stats().acked == 1; }, 5s));
  c.stop();
  EXPECT_EQ(outbound_count(), std::optional<std::uint32_t>{0});
  EXPECT_EQ(client_.message_count(retry_queue_name(1s)), std::optional<std::uint32_t>{0});
}

TEST_F(ConsumerTest, LongRungDoesNotHoldBackAShortOne) {
  recorder r;
  consumer c(test_amqp(), test_consumer(), r.handler());
  c.start();
  ASSERT_TRUE(comes_up(c));
  publisher p(test_amqp());
  p.start();
  ASSERT_TRUE(comes_up(p));

  const std::string slow = unique("slow-"), fast = unique("fast-");
  const auto t0 = steady::now();
  ASSERT_EQ(publish_one(p, command(slow, "", retry_queue_name(5s))), publish_status::confirmed);
  ASSERT_EQ(publish_one(p, command(fast, "", retry_queue_name(1s))), publish_status::confirmed);

  ASSERT_TRUE(r.wait_for_id(fast, 1, 4s)) << "the 1s retry waited behind the 5s one";
  const auto fast_at = r.last_with_id(fast)->second;
  EXPECT_LE(fast_at - t0, 2500ms);
  EXPECT_EQ(r.count_id(slow), 0u);

  ASSERT_TRUE(r.wait_for_id(slow, 1, 8s));
  const auto slow_at = r.last_with_id(slow)->second;
  EXPECT_GE(slow_at - t0, 4500ms);
  EXPECT_LT(fast_at, slow_at);
  for (const std::string& id : {fast, slow}) {
    const delivery d = r.last_with_id(id)->first;
    c.ack(d.generation, d.tag);
  }
  ASSERT_TRUE(wait_until([&] { return c.stats().acked == 2; }, 5s));
  c.stop();
  EXPECT_EQ(outbound_count(), std::optional<std::uint32_t>{0});
}

// --- connection loss and stop ----------------------------------------------------------

TEST_F(ConsumerTest, ClosedConnectionRedeliversUnsettledAndDropsStaleSettles) {
  consumer_settings cs = test_consumer();
  cs.connection_name = unique("rai-consumer-test-closed-");
  recorder r;
  consumer c(test_amqp(), cs, r.handler());
  c.start();
  ASSERT_TRUE(comes_up(c));
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(unique("lost-"));
    send(ids.back());
  }
  ASSERT_TRUE(r.wait_for(3, 5s));
  std::vector<delivery> old;
  for (std::size_t i = 0; i < 3; ++i) old.push_back(r.at(i));

  std::string error;
  ASSERT_TRUE(test::close_connection_named(cs.connection_name, error)) << error;
  ASSERT_TRUE(r.wait_for(6, 10s)) << "unsettled deliveries not redelivered after reconnecting";
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.stats().reconnects, 1u);
  for (const std::string& id : ids) {
    const delivery d = r.last_with_id(id)->first;
    EXPECT_TRUE(d.redelivered) << id;
    EXPECT_GT(d.generation, old[0].generation) << id;
  }

  // Settles for the dead connection: dropped, they must not ack the new tags.
  for (const delivery& d : old) c.ack(d.generation, d.tag);
  ASSERT_TRUE(wait_until([&] { return c.stats().dropped_settles == 3; }, 5s));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(c.stats().acked, 0u);
  EXPECT_TRUE(c.connected());

  for (const std::string& id : ids) {
    const delivery d = r.last_with_id(id)->first;
    c.ack(d.generation, d.tag);
  }
  ASSERT_TRUE(wait_until([&] { return c.stats().acked == 3; }, 5s));
  c.stop();
  EXPECT_EQ(r.size(), 6u);
  EXPECT_EQ(outbound_count(), std::optional<std::uint32_t>{0});
}

TEST_F(ConsumerTest, FailsOverToTheNextNodeAndGetsTheUnsettledAgain) {
  amqp_settings as = test_amqp();
  const std::string other = test::same_broker_by_another_name(test::amqp_url());
  ASSERT_FALSE(other.empty()) << "RAI_AMQP_URL names neither 127.0.0.1 nor localhost";
  as.urls = {test::amqp_url(), other};
  consumer_settings cs = test_consumer();
  cs.connection_name = unique("rai-consumer-test-failover-");
  recorder r;
  consumer c(as, cs, r.handler());
  c.start();
  ASSERT_TRUE(comes_up(c));
  const std::string first = c.stats().node;
  EXPECT_FALSE(first.empty());
  const std::string id = unique("failover-");
  send(id);
  ASSERT_TRUE(r.wait_for(1, 5s));

  std::string error;
  ASSERT_TRUE(test::close_connection_named(cs.connection_name, error)) << error;
  ASSERT_TRUE(r.wait_for_id(id, 2, 10s)) << "the unsettled delivery did not come back";
  ASSERT_TRUE(wait_until([&] { return c.stats().failovers == 1 && c.connected(); }, 5s));
  EXPECT_NE(c.stats().node, first);
  const delivery d = r.last_with_id(id)->first;
  c.ack(d.generation, d.tag);
  ASSERT_TRUE(wait_until([&] { return c.stats().acked == 1; }, 5s));
  c.stop();
  EXPECT_EQ(c.stats().node, "");
  EXPECT_EQ(outbound_count(), std::optional<std::uint32_t>{0});
}

TEST_F(ConsumerTest, StopWaitsForOutstandingSettles) {
  recorder r;
  consumer c(
      test_amqp(),
      [] {
        consumer_settings s = test_consumer();
        s.drain_timeout = 5000ms;
        return s;
      }(),
      r.handler());
  c.start();
  ASSERT_TRUE(comes_up(c));
  send(unique("drain-"));
  send(unique("drain-"));
  ASSERT_TRUE(r.wait_for(2, 5s));

  // The gateway's io thread settles them a little later.
  std::thread settler([&] {
    std::this_thread::sleep_for(300ms);
    for (std::size_t i = 0; i < 2; ++i) {
      const delivery d = r.at(i);
      c.ack(d.generation, d.tag);
    }
  });
  const auto t0 = steady::now();
  c.stop();
  const auto took = steady::now() - t0;
  settler.join();
  EXPECT_GE(took, 250ms) << "stop() did not wait for the settles";
  EXPECT_LT(took, 3s) << "stop() waited out the drain timeout although nothing was left";
  EXPECT_EQ(c.stats().acked, 2u);
  EXPECT_EQ(outbound_count(), std::optional<std::uint32_t>{0});

  c.ack(1, 1);  // after stop: dropped
  EXPECT_EQ(c.stats().dropped_settles, 1u);
}

TEST_F(ConsumerTest, StopGivesUpAfterTheDrainTimeoutAndTheBrokerRequeues) {
  recorder r;
  consumer c(test_amqp(), test_consumer(), r.handler());  // drain_timeout 1 s
  c.start();
  ASSERT_TRUE(comes_up(c));
  const std::string settled = unique("settled-"), forgotten = unique("forgotten-");
  send(settled);
  send(forgotten);
  ASSERT_TRUE(r.wait_for(2, 5s));
  const delivery s = r.last_with_id(settled)->first;
  std::thread settler([&] {
    std::this_thread::sleep_for(200ms);
    c.ack(s.generation, s.tag);
  });
  const auto t0 = steady::now();
  c.stop();
  const auto took = steady::now() - t0;
  settler.join();
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 2500ms);
  EXPECT_EQ(c.stats().acked, 1u);
  EXPECT_EQ(outbound_count(), std::optional<std::uint32_t>{1});
  auto back = client_.take_by_id(names::outbound_queue, forgotten);
  ASSERT_TRUE(back) << "the unsettled delivery was not requeued";
}

TEST(ConsumerNoBroker, ClosedPortNeverConnectsAndStopsQuickly) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);

  amqp_settings s = test_amqp();
  s.urls = {"amqp://guest:guest@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/"};
  consumer c(s, test_consumer(), [](delivery&&) {});
  c.start();
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(c.connected());
  c.ack(1, 1);
  EXPECT_EQ(c.stats().dropped_settles, 1u);
  const auto t0 = steady::now();
  c.stop();
  EXPECT_LT(steady::now() - t0, 1s);
}

// --- quorum ---------------------------------------------------------------------------

TEST(RetryLadderQuorum, QuorumLadderDeclaresTwiceAndClassicIsRefused) {
  const std::string vhost = unique("rai-consumer-test-");
  std::string out;
  ASSERT_EQ(test::rabbitmqctl("-q add_vhost " + vhost, out), 0) << out;
  struct cleanup {
    std::string vhost;
    ~cleanup() { test::rabbitmqctl_detached("-q delete_vhost " + vhost); }
  } cleanup{vhost};
  ASSERT_EQ(test::rabbitmqctl("-q set_permissions -p " + vhost + " guest '.*' '.*' '.*'", out), 0)
      << out;

  amqp_settings s = test_amqp();
  s.urls = {test::amqp_url_for_vhost(vhost)};
  s.queues = queue_type::quorum;
  consumer_settings cs = test_consumer();
  cs.retry_rungs = {1s};
  recorder r;
  consumer c(s, cs, r.handler());
  c.start();
  ASSERT_TRUE(comes_up(c, 20s));

  broker_client client(s.urls.front());
  ASSERT_TRUE(client.ok()) << client.error();
  const std::vector<milliseconds> rungs = {1s};
  const auto quorum = detail::declare_retry_ladder(client.get(), 1, queue_type::quorum, rungs);
  EXPECT_TRUE(quorum) << quorum.error().text;
  const auto classic = detail::declare_retry_ladder(client.get(), 1, queue_type::classic, rungs);
  ASSERT_FALSE(classic);
  const std::string& error = classic.error().text;
  EXPECT_NE(error.find("declare queue 'returning.outbound.retry.1s'"), std::string::npos) << error;
  EXPECT_NE(error.find("406"), std::string::npos) << error;
  c.stop();
}

}  // namespace
}  // namespace rai::amqp
