// Publisher tests against a real RabbitMQ (RAI_AMQP_URL, default
// amqp://guest:guest@127.0.0.1:5672/). They fail, not skip, without a broker.

#include "amqp/publisher.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "amqp/detail/topology.hpp"
#include "amqp/node_ring.hpp"
#include "amqp/topology.hpp"
#include "broker.hpp"

namespace rai::amqp {
namespace {

using namespace std::chrono_literals;
using test::broker_client;
using test::unique;
using test::wait_until;

// Hands out completions and checks that each is called exactly once.
class completions {
 public:
  publisher::completion make() {
    std::lock_guard lock(mu_);
    const std::size_t index = calls_.size();
    calls_.push_back(0);
    statuses_.push_back(publish_status::unavailable);
    return [this, index](publish_status s) {
      std::lock_guard lock(mu_);
      ++calls_[index];
      statuses_[index] = s;
      ++total_;
      ++histogram_[s];
      cv_.notify_all();
    };
  }
  std::size_t issued() const {
    std::lock_guard lock(mu_);
    return calls_.size();
  }
  std::size_t total() const {
    std::lock_guard lock(mu_);
    return total_;
  }
  bool wait_all(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return total_ >= calls_.size(); });
  }
  bool each_called_once() const {
    std::lock_guard lock(mu_);
    return std::all_of(calls_.begin(), calls_.end(), [](int n) { return n == 1; });
  }
  std::size_t count(publish_status s) const {
    std::lock_guard lock(mu_);
    auto it = histogram_.find(s);
    return it == histogram_.end() ? 0 : it->second;
  }
  publish_status status(std::size_t index) const {
    std::lock_guard lock(mu_);
    return statuses_.at(index);
  }
  std::string summary() const {
    std::lock_guard lock(mu_);
    std::string out;
    for (auto& [s, n] : histogram_)
      out += std::string(to_string(s)) + "=" + std::to_string(n) + " ";
    return out + "(issued " + std::to_string(calls_.size()) + ")";
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<int> calls_;
  std::vector<publish_status> statuses_;
  std::map<publish_status, std::size_t> histogram_;
  std::size_t total_ = 0;
};

amqp_settings test_settings() {
  amqp_settings s;
  s.urls = {test::amqp_url()};
  s.connection_name = unique("rai-queue-test-");
  s.heartbeat = 10s;
  s.connect_timeout = 2000ms;
  s.reconnect_min = 50ms;
  s.reconnect_max = 400ms;
  return s;
}

message make_message(std::string routing_key, std::string id = unique("msg-")) {
  message m;
  m.exchange = names::events_exchange;  // used as given: "" would be the default exchange
  m.routing_key = std::move(routing_key);
  m.message_id = std::move(id);
  m.type = "user-joined";
  m.body = R"({"event":"user-joined","id":")" + m.message_id + R"("})";
  m.timestamp = 1700000000;
  m.headers = {{"x-source", "default"}, {"x-auth", "api-key,gcm"}};
  return m;
}

// Waits for connected(); a missing broker fails here.
::testing::AssertionResult comes_up(const publisher& p, std::chrono::milliseconds timeout = 10s) {
  if (wait_until([&] { return p.connected(); }, timeout)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "publisher did not connect to " << test::amqp_url() << " within " << timeout.count()
         << " ms (is RabbitMQ running?)";
}

// Publishes one message and waits for its completion.
publish_status publish_one(publisher& p, message m) {
  completions c;
  p.publish(std::move(m), c.make());
  EXPECT_TRUE(c.wait_all(10s)) << "completion never called";
  return c.status(0);
}

class PublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(client_.ok()) << "no broker at " << test::amqp_url() << ": " << client_.error();
    sink_key_ = unique("returning.test.");
    sink_ = client_.declare_sink(names::events_exchange, sink_key_);
    ASSERT_FALSE(sink_.empty()) << client_.error();
  }

  broker_client client_;
  std::string sink_key_;  // bound to sink_ on returning.events
  std::string sink_;
};

TEST_F(PublisherTest, ConnectsAndDeclaresTheTopology) {
  publisher p(test_settings());
  EXPECT_FALSE(p.connected());
  p.start();
  ASSERT_TRUE(comes_up(p));
  for (const char* e : {names::events_exchange, names::unrouted, names::commands_exchange}) {
    EXPECT_TRUE(client_.exchange_exists(e)) << e << ": " << client_.error();
  }
  for (const char* q : {names::unrouted, names::outbound_queue, names::dead_queue}) {
    EXPECT_TRUE(client_.message_count(q).has_value()) << q << ": " << client_.error();
  }
}

TEST_F(PublisherTest, DeclaringTheTopologyAgainIsAccepted) {
  publisher first(test_settings());
  publisher second(test_settings());
  first.start();
  second.start();
  ASSERT_TRUE(comes_up(first));
  ASSERT_TRUE(comes_up(second));
  const auto declared =
      detail::declare_topology(client_.get(), 1, queue_type::classic, "returning.events");
  EXPECT_TRUE(declared) << declared.error().text;
  EXPECT_EQ(publish_one(second, make_message(sink_key_)), publish_status::confirmed);
}

TEST_F(PublisherTest, ManyConcurrentPublishesAreAllConfirmedOnce) {
  publisher p(test_settings());
  p.start();
  ASSERT_TRUE(comes_up(p));
  constexpr int threads = 4;
  constexpr int per_thread = 500;
  completions c;
  std::vector<std::thread> producers;
  std::atomic<bool> go{false};
  for (int t = 0; t < threads; ++t) {
    producers.emplace_back([&] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < per_thread; ++i) p.publish(make_message(sink_key_), c.make());
    });
  }
  go.store(true);
  for (auto& t : producers) t.join();
  ASSERT_TRUE(c.wait_all(20s)) << c.summary();
  EXPECT_EQ(c.issued(), std::size_t{threads * per_thread});
  EXPECT_EQ(c.total(), std::size_t{threads * per_thread});
  EXPECT_EQ(c.count(publish_status::confirmed), std::size_t{threads * per_thread}) << c.summary();
  EXPECT_TRUE(c.each_called_once());
  std::this_thread::sleep_for(50ms);  // no late, duplicate completions
  EXPECT_EQ(c.total(), std::size_t{threads * per_thread});
  EXPECT_EQ(client_.message_count(sink_), std::optional<std::uint32_t>{threads * per_thread});
}

TEST_F(PublisherTest, MessagesCarryBodyAndProperties) {
  publisher p(test_settings());
  p.start();
  ASSERT_TRUE(comes_up(p));
  message m = make_message(sink_key_);
  m.headers.emplace_back("x-received-at", "2023-11-14T22:13:20Z");
  const message sent = m;
  ASSERT_EQ(publish_one(p, std::move(m)), publish_status::confirmed);

  auto got = client_.get_message(sink_);
  ASSERT_TRUE(got) << client_.error();
  EXPECT_EQ(got->exchange, names::events_exchange);
  EXPECT_EQ(got->routing_key, sink_key_);
  EXPECT_EQ(got->body, sent.body);
  EXPECT_TRUE(got->has_delivery_mode);
  EXPECT_EQ(got->delivery_mode, 2);
  EXPECT_EQ(got->content_type, "application/json");
  EXPECT_EQ(got->message_id, sent.message_id);
  EXPECT_EQ(got->type, "user-joined");
  EXPECT_TRUE(got->has_timestamp);
  EXPECT_EQ(got->timestamp, 1700000000u);
  EXPECT_TRUE(got->headers_all_strings);
  EXPECT_EQ(got->headers, sent.headers);
  EXPECT_FALSE(client_.get_message(sink_));
}

TEST_F(PublisherTest, UnroutedMessageIsConfirmedAndLandsInTheUnroutedQueue) {
  publisher p(test_settings());
  p.start();
  ASSERT_TRUE(comes_up(p));
  message m = make_message(unique("returning.nobody."));
  const std::string id = m.message_id;
  const std::string body = m.body;
  ASSERT_EQ(publish_one(p, std::move(m)), publish_status::confirmed);
  auto got = client_.take_by_id(names::unrouted, id);
  ASSERT_TRUE(got) << "message " << id << " not in " << names::unrouted << " " << client_.error();
  EXPECT_EQ(got->body, body);
  EXPECT_EQ(got->exchange, names::events_exchange);
}

TEST_F(PublisherTest, UnroutableWithoutAlternateExchangeIsReturned) {
  const std::string exchange = unique("rai.test.no-ae.");
  ASSERT_TRUE(client_.declare_exchange(exchange, "topic")) << client_.error();
  publisher p(test_settings());
  p.start();
  ASSERT_TRUE(comes_up(p));

  completions c;
  message a = make_message("nowhere");
  a.exchange = exchange;
  message c_msg = make_message("nowhere.either");
  c_msg.exchange = exchange;
  p.publish(std::move(a), c.make());                    // 0: returned
  p.publish(make_message(sink_key_), c.make());         // 1: routed
  p.publish(std::move(c_msg), c.make());                // 2: returned
  p.publish(make_message(sink_key_, "dup"), c.make());  // 3: routed, same id as 4
  message d = make_message("nowhere", "dup");
  d.exchange = exchange;
  p.publish(std::move(d), c.make());  // 4: returned
  ASSERT_TRUE(c.wait_all(10s)) << c.summary();
  EXPECT_EQ(c.status(0), publish_status::returned);
  EXPECT_EQ(c.status(1), publish_status::confirmed);
  EXPECT_EQ(c.status(2), publish_status::returned);
  EXPECT_EQ(c.status(3), publish_status::confirmed);
  EXPECT_EQ(c.status(4), publish_status::returned);
  EXPECT_TRUE(c.each_called_once());
  EXPECT_TRUE(p.connected());  // a return does not hurt the channel
  EXPECT_TRUE(client_.delete_exchange(exchange)) << client_.error();
}

TEST_F(PublisherTest, EmptyExchangeIsTheDefaultExchangeRoutingByQueueName) {
  publisher p(test_settings());
  p.start();
  ASSERT_TRUE(comes_up(p));
  // "" + queue name: straight into that queue.
  message m = make_message(sink_);
  m.exchange = "";
  const std::string id = m.message_id;
  ASSERT_EQ(publish_one(p, std::move(m)), publish_status::confirmed);
  auto got = client_.get_message(sink_);
  ASSERT_TRUE(got) << client_.error();
  EXPECT_EQ(got->message_id, id);
  EXPECT_EQ(got->exchange, "");
  EXPECT_EQ(got->routing_key, sink_);

  // No fallback to the events exchange: sink_key_ names no queue, so the
  // default exchange cannot route it and the broker returns it.
  message lost = make_message(sink_key_);
  lost.exchange = "";
  EXPECT_EQ(publish_one(p, std::move(lost)), publish_status::returned);
  EXPECT_EQ(client_.message_count(sink_), std::optional<std::uint32_t>{0});
}

TEST_F(PublisherTest, PublishToMissingExchangeFailsAndThePublisherRecovers) {
  publisher p(test_settings());
  p.start();
  ASSERT_TRUE(comes_up(p));
  message m = make_message("x");
  m.exchange = unique("rai.test.missing.");
  // The broker closes the channel (404): the job is lost with the connection.
  EXPECT_EQ(publish_one(p, std::move(m)), publish_status::connection_lost);
  ASSERT_TRUE(comes_up(p));
  EXPECT_EQ(publish_one(p, make_message(sink_key_)), publish_status::confirmed);
}

TEST(PublisherNoBroker, ClosedPortMeansUnavailable) {
  // A port that was free a moment ago: nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);

  amqp_settings s = test_settings();
  s.urls = {"amqp://guest:secret-password@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/"};
  publisher p(s);
  p.start();
  std::this_thread::sleep_for(300ms);  // a few connect attempts
  EXPECT_FALSE(p.connected());

  bool called = false;
  publish_status status = publish_status::confirmed;
  p.publish(make_message("k"), [&](publish_status st) {
    called = true;
    status = st;
  });
  EXPECT_TRUE(called) << "refusal completes on the caller's thread";
  EXPECT_EQ(status, publish_status::unavailable);

  const auto t0 = std::chrono::steady_clock::now();
  p.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s) << "stop() waits out the backoff";
}

TEST_F(PublisherTest, PublishBeforeStartAndAfterStopIsUnavailable) {
  publisher p(test_settings());
  EXPECT_EQ(publish_one(p, make_message(sink_key_)), publish_status::unavailable);
  p.start();
  ASSERT_TRUE(comes_up(p));
  EXPECT_EQ(publish_one(p, make_message(sink_key_)), publish_status::confirmed);
  p.stop();
  EXPECT_FALSE(p.connected());
  EXPECT_EQ(publish_one(p, make_message(sink_key_)), publish_status::unavailable);
  p.stop();  // idempotent
}

TEST_F(PublisherTest, OverloadedBeyondMaxInFlight) {
  amqp_settings s = test_settings();
  s.max_in_flight = 16;
  publisher p(s);
  p.start();
  ASSERT_TRUE(comes_up(p));
  completions c;
  for (int i = 0; i < 1000; ++i) p.publish(make_message(sink_key_), c.make());
  ASSERT_TRUE(c.wait_all(10s)) << c.summary();
  EXPECT_TRUE(c.each_called_once());
  EXPECT_GT(c.count(publish_status::overloaded), 0u) << c.summary();
  EXPECT_GT(c.count(publish_status::confirmed), 0u) << c.summary();
  EXPECT_EQ(c.count(publish_status::overloaded) + c.count(publish_status::confirmed), 1000u)
      << c.summary();
}

TEST_F(PublisherTest, StopSettlesEveryAcceptedPublish) {
  completions c;
  {
    publisher p(test_settings());
    p.start();
    ASSERT_TRUE(comes_up(p));
    for (int i = 0; i < 1000; ++i) p.publish(make_message(sink_key_), c.make());
    p.stop();
    EXPECT_EQ(c.total(), 1000u) << "stop() returned before settling everything";
  }
  EXPECT_TRUE(c.each_called_once());
  EXPECT_EQ(c.count(publish_status::confirmed) + c.count(publish_status::connection_lost), 1000u)
      << c.summary();
}

TEST_F(PublisherTest, ReconnectsAfterTheBrokerClosesTheConnection) {
  amqp_settings s = test_settings();
  const std::string name = s.connection_name;
  publisher p(s);
  p.start();
  ASSERT_TRUE(comes_up(p));

  // Keep up to 300 publishes in flight until told to stop.
  completions c;
  std::atomic<bool> run{true};
  std::thread producer([&] {
    while (run.load()) {
      if (c.issued() - c.total() >= 300) {
        std::this_thread::sleep_for(1ms);
        continue;
      }
      if (!p.connected()) {
        p.publish(make_message(sink_key_), c.make());  // refused: unavailable
        std::this_thread::sleep_for(5ms);
        continue;
      }
      p.publish(make_message(sink_key_), c.make());
    }
  });
  ASSERT_TRUE(wait_until([&] { return c.count(publish_status::confirmed) > 100; }, 5s))
      << c.summary();

  std::string error;
  const bool closed = test::close_connection_named(name, error);
  EXPECT_TRUE(closed) << error;
  const bool dropped = wait_until(
      [&] {
        return c.count(publish_status::connection_lost) + c.count(publish_status::unavailable) > 0;
      },
      5s);
  EXPECT_TRUE(dropped) << c.summary();
  const std::size_t confirmed_before = c.count(publish_status::confirmed);
  const bool back = comes_up(p);
  EXPECT_TRUE(back);
  // Publishing again after the reconnect works.
  const bool more =
      wait_until([&] { return c.count(publish_status::confirmed) > confirmed_before + 100; }, 5s);
  EXPECT_TRUE(more) << c.summary();
  run.store(false);
  producer.join();

  ASSERT_TRUE(c.wait_all(10s)) << c.summary();
  EXPECT_TRUE(c.each_called_once());
  EXPECT_EQ(c.count(publish_status::confirmed) + c.count(publish_status::connection_lost) +
                c.count(publish_status::unavailable),
            c.issued())
      << c.summary();
  EXPECT_GT(c.count(publish_status::connection_lost), 0u)
      << "expected publishes in flight when the connection closed: " << c.summary();
  EXPECT_EQ(publish_one(p, make_message(sink_key_)), publish_status::confirmed);
}

TEST_F(PublisherTest, FailsOverToTheNextNodeWhenTheConnectionIsLost) {
  amqp_settings s = test_settings();
  const std::string other = test::same_broker_by_another_name(test::amqp_url());
  ASSERT_FALSE(other.empty()) << "RAI_AMQP_URL names neither 127.0.0.1 nor localhost";
  s.urls = {test::amqp_url(), other};
  publisher p(s);
  p.start();
  ASSERT_TRUE(comes_up(p));
  const std::string first = p.stats().node;
  EXPECT_TRUE(first == host_port_of(s.urls[0]) || first == host_port_of(s.urls[1])) << first;
  EXPECT_EQ(p.stats().failovers, 0u);

  std::string error;
  ASSERT_TRUE(test::close_connection_named(s.connection_name, error)) << error;
  ASSERT_TRUE(wait_until([&] { return p.stats().failovers == 1 && p.connected(); }, 10s))
      << "failovers " << p.stats().failovers;
  const publisher_stats after = p.stats();
  EXPECT_NE(after.node, first);
  EXPECT_FALSE(after.node.empty());
  EXPECT_EQ(after.reconnects, 1u);
  EXPECT_EQ(publish_one(p, make_message(sink_key_)), publish_status::confirmed);
  p.stop();
  EXPECT_EQ(p.stats().node, "");  // no node while not connected
}

TEST_F(PublisherTest, SkipsNodesThatRefuse) {
  // Two closed ports and the broker: from whichever node the ring starts at,
  // the publisher ends up on the broker.
  amqp_settings s = test_settings();
  s.urls = {"amqp://guest:guest@127.0.0.1:1/", "amqp://guest:guest@127.0.0.1:2/", test::amqp_url()};
  publisher p(s);
  p.start();
  ASSERT_TRUE(comes_up(p));
  EXPECT_EQ(p.stats().node, host_port_of(test::amqp_url()));
  EXPECT_EQ(publish_one(p, make_message(sink_key_)), publish_status::confirmed);
}

TEST_F(PublisherTest, ShortHeartbeatKeepsAnIdleConnectionUp) {
  // Capture the publisher's log: a missed heartbeat shows as "lost".
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  {
    amqp_settings s = test_settings();
    s.heartbeat = 1s;  // the broker drops us after ~2 s without our heartbeats
    publisher p(s);
    p.start();
    EXPECT_TRUE(comes_up(p));
    std::this_thread::sleep_for(3500ms);
    EXPECT_TRUE(p.connected());
    EXPECT_EQ(publish_one(p, make_message(sink_key_)), publish_status::confirmed);
  }
  spdlog::set_default_logger(previous);
  EXPECT_EQ(log.str().find("lost"), std::string::npos) << log.str();
  EXPECT_EQ(log.str().find("connected"), log.str().rfind("connected")) << "reconnected:\n"
                                                                       << log.str();
}

// Quorum queues in a scratch vhost (the default vhost has classic ones).
class QuorumTopologyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vhost_ = unique("rai-queue-test-");
    std::string out;
    ASSERT_EQ(test::rabbitmqctl("-q add_vhost " + vhost_, out), 0) << out;
    created_ = true;
    ASSERT_EQ(test::rabbitmqctl("-q set_permissions -p " + vhost_ + " guest '.*' '.*' '.*'", out),
              0)
        << out;
  }
  void TearDown() override {
    // In the background: deleting quorum queues takes a while.
    if (created_) test::rabbitmqctl_detached("-q delete_vhost " + vhost_);
  }
  std::string vhost_;
  bool created_ = false;
};

TEST_F(QuorumTopologyTest, QuorumDeclaresTwiceAndClassicIsRefusedByName) {
  amqp_settings s = test_settings();
  s.urls = {test::amqp_url_for_vhost(vhost_)};
  s.queues = queue_type::quorum;
  publisher p(s);
  p.start();
  ASSERT_TRUE(comes_up(p));

  broker_client client(s.urls.front());
  ASSERT_TRUE(client.ok()) << client.error();
  const auto quorum =
      detail::declare_topology(client.get(), 1, queue_type::quorum, "returning.events");
  EXPECT_TRUE(quorum) << quorum.error().text;
  EXPECT_EQ(publish_one(p, make_message(unique("returning.nobody."))), publish_status::confirmed);

  // Classic declarations of the same queues: 406, and the error says which.
  const auto classic =
      detail::declare_topology(client.get(), 1, queue_type::classic, "returning.events");
  ASSERT_FALSE(classic);
  const std::string& error = classic.error().text;
  EXPECT_NE(error.find("declare queue 'returning.unrouted'"), std::string::npos) << error;
  EXPECT_NE(error.find("406"), std::string::npos) << error;
  EXPECT_NE(error.find("PRECONDITION_FAILED"), std::string::npos) << error;
}

}  // namespace
}  // namespace rai::amqp
