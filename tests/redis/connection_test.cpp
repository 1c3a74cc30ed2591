// rai::redis::connection against a real redis-server (scripts/start-redis,
// 127.0.0.1:6390). Keys are unique per test run; nothing else is touched.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "redis/connection.hpp"

namespace rai::redis {
namespace {

class redis_service : public ::testing::Environment {
 public:
  void SetUp() override {
    const std::string cmd = std::string(RAI_SOURCE_DIR) + "/scripts/start-redis >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "scripts/start-redis failed";
  }
};

std::string unique(std::string_view what) {
  static const std::string run = std::to_string(std::random_device{}());
  static std::atomic<int> n{0};
  return "rai-test:" + run + ":" + std::string(what) + ":" + std::to_string(n++);
}

// An io_context served by two threads for the whole test, so completions
// really cross threads.
class RedisConnection : public ::testing::Test {
 protected:
  RedisConnection() {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }
  ~RedisConnection() override {
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  template <class T>
  T run(net::awaitable<T> a) {
    return net::co_spawn(ioc_, std::move(a), net::use_future).get();
  }

  connection_settings settings(std::string_view url = "redis://127.0.0.1:6390") {
    connection_settings s;
    s.where = *parse_url(url);
    s.command_timeout = std::chrono::milliseconds(500);
    return s;
  }

  std::shared_ptr<connection> open(connection_settings s) {
    auto c = run(connection::connect(ioc_.get_executor(), std::move(s)));
    EXPECT_TRUE(c) << c.error().message();
    return c ? *c : nullptr;
  }
  std::shared_ptr<connection> open() { return open(settings()); }

  // command() formats its arguments before it returns: the strings may go.
  connection::result_type command(connection& c, std::vector<std::string> args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    return run(c.command(views));
  }

  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(ioc_);
  std::vector<std::thread> threads_;
};

TEST_F(RedisConnection, SetThenGet) {
  auto c = open();
  ASSERT_TRUE(c);
  const std::string key = unique("set-get");
  auto set = command(*c, {"SET", key, std::string("v\r\n\0x", 5), "PX", "10000"});
  ASSERT_TRUE(set) << set.error().message();
  EXPECT_TRUE(set->is("OK"));
  auto get = command(*c, {"GET", key});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->type, reply::kind::string);
  EXPECT_EQ(get->str, std::string("v\r\n\0x", 5));  // binary-safe
  auto missing = command(*c, {"GET", unique("missing")});
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->is_nil());
  auto n = command(*c, {"DEL", key});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->type, reply::kind::integer);
  EXPECT_EQ(n->integer, 1);
  c->close();
}

TEST_F(RedisConnection, ErrorReplyIsAReplyAndTheConnectionGoesOn) {
  auto c = open();
  ASSERT_TRUE(c);
  auto r = command(*c, {"NO-SUCH-COMMAND"});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->is_error());
  EXPECT_NE(r->str.find("unknown command"), std::string::npos) << r->str;
  auto ping = command(*c, {"PING"});
  ASSERT_TRUE(ping);
  EXPECT_TRUE(ping->is("PONG"));
  EXPECT_TRUE(c->is_open());
  c->close();
}

TEST_F(RedisConnection, ArrayReplies) {
  auto c = open();
  ASSERT_TRUE(c);
  const std::string key = unique("list");
  ASSERT_TRUE(command(*c, {"RPUSH", key, "a", "b"}));
  auto r = command(*c, {"LRANGE", key, "0", "-1"});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->type, reply::kind::array);
  ASSERT_EQ(r->elements.size(), 2u);
  EXPECT_TRUE(r->elements[1].is("b"));
  command(*c, {"DEL", key});
  c->close();
}

// Many coroutines on two threads share one connection: each gets its own
// reply (FIFO matching), and commands are pipelined, not serialised.
TEST_F(RedisConnection, PipelinedCommandsGetTheirOwnReplies) {
  auto c = open();
  ASSERT_TRUE(c);
  constexpr int coroutines = 50;
  constexpr int each = 40;
  std::atomic<int> right{0};
  std::atomic<int> wrong{0};
  std::vector<std::future<void>> done;
  for (int i = 0; i < coroutines; ++i) {
    done.push_back(net::co_spawn(
        net::make_strand(ioc_),
        [](connection& c, int i, std::atomic<int>& right,
           std::atomic<int>& wrong) -> net::awaitable<void> {
          for (int j = 0; j < each; ++j) {
            const std::string word = "w-" + std::to_string(i) + "-" + std::to_string(j);
            const std::array<std::string_view, 2> args{"ECHO", word};
            auto r = co_await c.command(args);
            (r && r->is(word) ? right : wrong)++;
          }
        }(*c, i, right, wrong),
        net::use_future));
  }
  for (auto& f : done) f.get();
  EXPECT_EQ(right.load(), coroutines * each);
  EXPECT_EQ(wrong.load(), 0);
  c->close();
}

TEST_F(RedisConnection, SendWithoutWaiting) {
  auto c = open();
  ASSERT_TRUE(c);
  const std::string key = unique("send");
  std::promise<connection::result_type> got;
  c->send({"SET", key, "committed", "PX", "10000"},
          [&](connection::result_type r) { got.set_value(std::move(r)); });
  auto r = got.get_future().get();
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->is("OK"));
  c->send({"DEL", key});  // no completion at all
  auto get = command(*c, {"GET", key});
  ASSERT_TRUE(get);
  EXPECT_TRUE(get->is_nil());  // the DEL, sent first, ran first
  c->close();
}

// A reply that does not come in time breaks the connection: the late reply
// cannot be skipped, so every pending command fails and the socket closes.
TEST_F(RedisConnection, TimeoutFailsEveryPendingCommandAndCloses) {
  auto s = settings();
  s.command_timeout = std::chrono::milliseconds(100);
  auto c = open(s);
  ASSERT_TRUE(c);
  std::promise<connection::result_type> behind;
  const auto t0 = std::chrono::steady_clock::now();
  // BLPOP on an empty list blocks this connection for 1 s.
  c->send({"BLPOP", unique("empty"), "1"});
  c->send({"PING"}, [&](connection::result_type r) { behind.set_value(std::move(r)); });
  auto r = behind.get_future().get();
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), redis_errc::timeout);
  EXPECT_GE(waited, std::chrono::milliseconds(90));
  EXPECT_LT(waited, std::chrono::milliseconds(900));
  EXPECT_FALSE(c->is_open());
  auto after = command(*c, {"PING"});
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error(), redis_errc::timeout);  // closed, and says why
  run(c->wait_closed());                          // completes at once
}

TEST_F(RedisConnection, ServerClosingFailsPendingAndWakesWaiters) {
  auto victim = open();
  auto killer = open();
  ASSERT_TRUE(victim && killer);
  auto id = command(*victim, {"CLIENT", "ID"});
  ASSERT_TRUE(id);
  std::promise<connection::result_type> pending;
  victim->send({"BLPOP", unique("empty"), "5"},
               [&](connection::result_type r) { pending.set_value(std::move(r)); });
  auto closed = net::co_spawn(ioc_, victim->wait_closed(), net::use_future);
  auto k = command(*killer, {"CLIENT", "KILL", "ID", std::to_string(id->integer)});
  ASSERT_TRUE(k);
  auto r = pending.get_future().get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), redis_errc::connection_closed);
  closed.get();
  EXPECT_FALSE(victim->is_open());
  killer->close();
}

TEST_F(RedisConnection, CloseWakesWaitClosed) {
  auto c = open();
  ASSERT_TRUE(c);
  auto closed = net::co_spawn(ioc_, c->wait_closed(), net::use_future);
  EXPECT_EQ(closed.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  c->close();
  closed.get();
  auto r = command(*c, {"PING"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), redis_errc::connection_closed);
}

TEST_F(RedisConnection, ConnectionRefused) {
  // A port nothing listens on: bind one, close it, connect.
  net::ip::tcp::acceptor a(ioc_, {net::ip::make_address("127.0.0.1"), 0});
  const auto port = a.local_endpoint().port();
  a.close();
  auto c = run(connection::connect(ioc_.get_executor(),
                                   settings("redis://127.0.0.1:" + std::to_string(port))));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), boost::system::errc::connection_refused) << c.error().message();
}

// An ACL user made for the test: AUTH user password, then SELECT.
TEST_F(RedisConnection, AuthAndSelect) {
  auto admin = open();
  ASSERT_TRUE(admin);
  const std::string user = "rai-test-user-" + std::to_string(std::random_device{}());
  const std::string password = "pw-" + std::to_string(std::random_device{}());
  auto made = command(*admin, {"ACL", "SETUSER", user, "on", ">" + password, "~*", "+@all"});
  ASSERT_TRUE(made && made->is("OK")) << (made ? made->str : made.error().message());

  auto c = open(settings("redis://" + user + ":" + password + "@127.0.0.1:6390/3"));
  ASSERT_TRUE(c);
  const std::string key = unique("db3");
  ASSERT_TRUE(command(*c, {"SET", key, "x", "PX", "10000"}));
  auto here = command(*admin, {"GET", key});  // admin is on db 0
  ASSERT_TRUE(here);
  EXPECT_TRUE(here->is_nil());
  ASSERT_TRUE(command(*admin, {"SELECT", "3"}));
  auto there = command(*admin, {"GET", key});
  ASSERT_TRUE(there);
  EXPECT_TRUE(there->is("x"));
  c->close();

  auto refused = run(connection::connect(ioc_.get_executor(),
                                         settings("redis://" + user + ":wrong@127.0.0.1:6390")));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), redis_errc::auth_failed);
  auto no_db = run(connection::connect(
      ioc_.get_executor(), settings("redis://" + user + ":" + password + "@127.0.0.1:6390/4000")));
  ASSERT_FALSE(no_db);
  EXPECT_EQ(no_db.error(), redis_errc::select_failed);

  command(*admin, {"ACL", "DELUSER", user});
  admin->close();
}

}  // namespace
}  // namespace rai::redis

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new rai::redis::redis_service);
  return RUN_ALL_TESTS();
}
