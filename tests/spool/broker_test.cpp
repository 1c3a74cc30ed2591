// The spool's forwarder against the real RabbitMQ (RAI_AMQP_URL, default
// amqp://guest:guest@127.0.0.1:5672/). Each test binds its own server-named,
// exclusive queue to returning.events with a unique routing key, so it sees
// only its own messages. They fail, not skip, without a broker.

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "amqp/publisher.hpp"
#include "amqp/topology.hpp"
#include "spool/spool.hpp"
#include "tests/amqp/broker.hpp"
#include "tests/spool/test_support.hpp"

namespace rai::spool {

using namespace rai::amqp;  // message, publisher, names: what the spool forwards through
namespace {

using namespace std::chrono_literals;
using test::append_results;
using test::broker_client;
using test::sample_message;
using test::segment_files;
using test::temp_dir;
using test::unique;
using test::wait_until;

amqp_settings publisher_settings(std::string url = test::amqp_url()) {
  amqp_settings s;
  s.urls = {std::move(url)};
  s.connection_name = unique("rai-spool-test-");
  s.heartbeat = 10s;
  s.connect_timeout = 2000ms;
  s.reconnect_min = 50ms;
  s.reconnect_max = 400ms;
  return s;
}

spool_settings spool_settings_for(const temp_dir& dir) {
  spool_settings s;
  s.dir = dir.spool_dir();
  s.segment_bytes = 8 * 1024;
  s.retry_min = 20ms;
  s.retry_max = 200ms;
  return s;
}

class SpoolBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(client_.ok()) << "no broker at " << test::amqp_url() << ": " << client_.error();
    key_ = unique("returning.spooltest.");
    sink_ = client_.declare_sink(names::events_exchange, key_);
    ASSERT_FALSE(sink_.empty()) << client_.error();
  }

  void spool_messages(spool& s, std::size_t n) {
    append_results results;
    for (std::size_t i = 0; i < n; ++i) s.append(sample_message(i, key_), results.make());
    ASSERT_TRUE(results.wait_all(30s));
    ASSERT_EQ(results.count(spool_status::durable), n);
  }

  // Everything in the sink, in queue order.
  std::vector<test::received> drain_sink() {
    std::vector<test::received> out;
    while (auto m = client_.get_message(sink_)) out.push_back(std::move(*m));
    return out;
  }

  bool wait_connected(const publisher& p) {
    return wait_until([&] { return p.connected(); }, 10s);
  }

  broker_client client_;
  std::string key_;
  std::string sink_;
};

TEST_F(SpoolBrokerTest, RecordsSpooledWhileTheBrokerIsUnreachableAreDeliveredInOrder) {
  temp_dir dir;
  publisher nowhere(publisher_settings("amqp://guest:guest@127.0.0.1:1/"));
  publisher p(publisher_settings());
  const spool_settings settings = spool_settings_for(dir);
  spool s(settings);
  s.open();
  constexpr std::size_t n = 300;

  // A publisher that can never connect: the forwarder keeps everything.
  nowhere.start();
  s.start_forwarding(forward_to(nowhere));
  spool_messages(s, n);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(s.stats().forwarded, 0u);
  EXPECT_EQ(s.stats().records_pending, n);
  const std::size_t segments = segment_files(settings.dir).size();
  EXPECT_GT(segments, 3u);

  p.start();
  ASSERT_TRUE(wait_connected(p)) << "is RabbitMQ running at " << test::amqp_url() << "?";
  s.start_forwarding(forward_to(p));
  ASSERT_TRUE(wait_until([&] { return s.stats().forwarded == n; }, 30s))
      << s.stats().forwarded << " of " << n;
  ASSERT_TRUE(wait_until([&] { return s.stats().segments == 0; }, 10s));
  EXPECT_TRUE(segment_files(settings.dir).empty());
  EXPECT_EQ(s.stats().bytes_on_disk, 0u);

  const auto got = drain_sink();
  ASSERT_EQ(got.size(), n);
  for (std::size_t i = 0; i < n; ++i) {
    const message want = sample_message(i, key_);
    const test::received& m = got[i];
    EXPECT_EQ(m.message_id, want.message_id) << i;
    EXPECT_EQ(m.exchange, want.exchange);
    EXPECT_EQ(m.routing_key, want.routing_key);
    EXPECT_EQ(m.body, want.body);
    EXPECT_EQ(m.type, want.type);
    EXPECT_EQ(m.timestamp, static_cast<std::uint64_t>(want.timestamp));
    EXPECT_EQ(m.delivery_mode, 2);
    auto headers = want.headers;
    headers.emplace_back("x-spooled", "true");
    EXPECT_EQ(m.headers, headers);
  }
  s.stop();
}

TEST_F(SpoolBrokerTest, ARestartInTheMiddleOfForwardingDeliversEverything) {
  temp_dir dir;
  publisher p(publisher_settings());
  spool_settings settings = spool_settings_for(dir);
  settings.forward_window = 16;
  constexpr std::size_t n = 3000;
  p.start();
  ASSERT_TRUE(wait_connected(p)) << "is RabbitMQ running at " << test::amqp_url() << "?";

  std::uint64_t forwarded_before = 0;
  {
    spool first(settings);
    first.open();
    spool_messages(first, n);
    first.start_forwarding(forward_to(p));
    ASSERT_TRUE(wait_until([&] { return first.stats().forwarded >= n / 5; }, 30s));
    first.stop();  // as if the gateway went down mid-way
    forwarded_before = first.stats().forwarded;
  }
  ASSERT_LT(forwarded_before, n) << "forwarding finished before the restart";

  spool second(settings);
  second.open();
  const std::uint64_t recovered = second.stats().recovered;
  EXPECT_GE(recovered, n - forwarded_before);
  EXPECT_LT(recovered, n);  // fully confirmed segments were deleted
  second.start_forwarding(forward_to(p));
  ASSERT_TRUE(wait_until([&] { return second.stats().forwarded == recovered; }, 60s))
      << second.stats().forwarded << " of " << recovered;
  ASSERT_TRUE(wait_until([&] { return second.stats().segments == 0; }, 10s));

  std::map<std::string, int> seen;
  for (const auto& m : drain_sink()) ++seen[m.message_id];
  std::size_t missing = 0, duplicates = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto it = seen.find(sample_message(i).message_id);
    if (it == seen.end()) {
      ++missing;
    } else {
      duplicates += static_cast<std::size_t>(it->second - 1);
    }
  }
  std::printf(
      "[ figures  ] %zu spooled; %llu forwarded before the restart, %llu recovered and "
      "forwarded after; %zu delivered twice\n",
      n, static_cast<unsigned long long>(forwarded_before),
      static_cast<unsigned long long>(recovered), duplicates);
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(seen.size(), n);
}

}  // namespace
}  // namespace rai::spool
