#include "redis/connection.hpp"

#include <hiredis/hiredis.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <vector>

namespace rai::redis {
namespace {

using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
inline constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

// One command in RESP, formatted by hiredis. Empty when hiredis runs out of memory.
std::string format(std::span<const std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* cmd = nullptr;
  const int n =
      redisFormatCommandArgv(&cmd, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (n < 0 || cmd == nullptr) return {};
  std::string out(cmd, static_cast<std::size_t>(n));
  redisFreeCommand(cmd);
  return out;
}

reply convert(const redisReply& r) {
  reply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = reply::kind::string;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = reply::kind::status;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = reply::kind::error;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = reply::kind::integer;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = reply::kind::array;
      out.elements.reserve(r.elements);
      for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(convert(*r.element[i]));
      break;
    default:  // REDIS_REPLY_NIL
      out.type = reply::kind::nil;
      break;
  }
  return out;
}

}  // namespace

connection::connection(net::any_io_executor ex, connection_settings settings)
    : settings_(std::move(settings)),
      strand_(net::make_strand(ex)),
      stream_(strand_),
      deadline_timer_(strand_),
      closed_timer_(strand_),
      reader_(redisReaderCreate()) {
  deadline_timer_.expires_at(clock_type::time_point::max());
  closed_timer_.expires_at(clock_type::time_point::max());
}

connection::~connection() {
  if (reader_) redisReaderFree(reader_);
}

net::awaitable<boost::system::result<std::shared_ptr<connection>>> connection::connect(
    net::any_io_executor ex, connection_settings settings) {
  std::shared_ptr<connection> c(new connection(ex, std::move(settings)));
  if (!c->reader_) co_return make_error_code(boost::system::errc::not_enough_memory);
  // The handshake runs on the connection's strand, like everything that touches it.
  const boost::system::error_code ec =
      co_await net::co_spawn(c->strand_, c->handshake(), net::use_awaitable);
  if (ec) {
    c->close();
    co_return ec;
  }
  co_return c;
}

net::awaitable<boost::system::error_code> connection::handshake() {
  const endpoint& where = settings_.where;
  tcp::resolver resolver(strand_);
  auto [rec, results] = co_await resolver.async_resolve(
      where.host, std::to_string(where.port), tcp::resolver::numeric_service, use_nothrow);
  if (rec) co_return rec;
  stream_.expires_after(settings_.connect_timeout);
  auto [cec, ep] = co_await stream_.async_connect(results, use_nothrow);
  stream_.expires_never();
  if (cec == boost::beast::error::timeout) co_return make_error_code(redis_errc::connect_timeout);
  if (cec) co_return cec;
  boost::system::error_code nodelay_ec;
  stream_.socket().set_option(tcp::no_delay(true), nodelay_ec);  // small commands, sent now
  open_.store(true, std::memory_order_release);
  net::co_spawn(strand_, read_loop(shared_from_this()), net::detached);
  net::co_spawn(strand_, watch_deadlines(shared_from_this()), net::detached);

  if (!where.password.empty()) {
    // AUTH <password> logs in as "default"; AUTH <user> <password> as that user.
    // (Built by push_back: g++ 12 miscompiles an initializer list in a coroutine.)
    std::vector<std::string_view> auth;
    auth.push_back("AUTH");
    if (!where.user.empty()) auth.push_back(where.user);
    auth.push_back(where.password);
    const auto r = co_await command(auth);
    if (!r) co_return r.error();
    if (!r->is("OK")) co_return make_error_code(redis_errc::auth_failed);
  }
  if (where.db != 0) {
    const std::string db = std::to_string(where.db);
    std::vector<std::string_view> select;
    select.push_back("SELECT");
    select.push_back(db);
    const auto r = co_await command(select);
    if (!r) co_return r.error();
    if (!r->is("OK")) co_return make_error_code(redis_errc::select_failed);
  }
  co_return boost::system::error_code{};
}

net::awaitable<connection::result_type> connection::command(
    std::span<const std::string_view> args) {
  std::string bytes = format(args);
  return net::async_initiate<decltype(net::use_awaitable), void(result_type)>(
      [this](auto handler, std::string bytes) {
        using handler_t = decltype(handler);
        // The waiting coroutine resumes on its own executor, not on the strand.
        auto work = net::make_work_guard(net::get_associated_executor(handler));
        auto shared = std::make_shared<handler_t>(std::move(handler));
        enqueue(std::move(bytes), [shared, work](result_type r) {
          net::post(work.get_executor(),
                    [shared, r = std::move(r)]() mutable { std::move (*shared)(std::move(r)); });
        });
      },
      net::use_awaitable, std::move(bytes));
}

void connection::send(std::span<const std::string_view> args, completion done) {
  if (!done) done = [](result_type) {};
  enqueue(format(args), std::move(done));
}

void connection::enqueue(std::string bytes, completion done) {
  net::dispatch(strand_, [self = shared_from_this(), bytes = std::move(bytes),
                          done = std::move(done)]() mutable {
    self->on_enqueue(std::move(bytes), std::move(done));
  });
}

void connection::on_enqueue(std::string bytes, completion done) {
  if (!open_.load(std::memory_order_relaxed)) {
    done(closed_with_ ? closed_with_ : make_error_code(redis_errc::connection_closed));
    return;
  }
  if (bytes.empty()) {
    done(make_error_code(boost::system::errc::not_enough_memory));
    return;
  }
  if (pending_.size() >= settings_.max_pending) {
    done(make_error_code(redis_errc::too_many_pending));
    return;
  }
  const bool was_idle = pending_.empty();
  pending_.push_back({clock_type::now() + settings_.command_timeout, std::move(done)});
  out_ += bytes;
  if (was_idle) deadline_timer_.expires_at(pending_.front().deadline);  // wakes the watcher
  if (!write_running_) {
    write_running_ = true;
    net::co_spawn(strand_, write_loop(shared_from_this()), net::detached);
  }
}

// One write in flight; commands queued meanwhile go out together in the next.
net::awaitable<void> connection::write_loop(std::shared_ptr<connection> /*alive*/) {
  while (open_.load(std::memory_order_relaxed) && !out_.empty()) {
    writing_.swap(out_);
    out_.clear();
    auto [ec, n] = co_await net::async_write(stream_, net::buffer(writing_), use_nothrow);
    writing_.clear();
    if (ec) {
      fail(make_error_code(redis_errc::connection_closed));
      break;
    }
  }
  write_running_ = false;
}

net::awaitable<void> connection::read_loop(std::shared_ptr<connection> /*alive*/) {
  std::array<char, 16 * 1024> buf;
  while (open_.load(std::memory_order_relaxed)) {
    auto [ec, n] = co_await stream_.async_read_some(net::buffer(buf), use_nothrow);
    if (!open_.load(std::memory_order_relaxed)) break;
    if (ec) {
      fail(make_error_code(redis_errc::connection_closed));
      break;
    }
    if (redisReaderFeed(reader_, buf.data(), n) != REDIS_OK) {
      fail(make_error_code(redis_errc::protocol_error));
      break;
    }
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
        fail(make_error_code(redis_errc::protocol_error));
        co_return;
      }
      if (raw == nullptr) break;  // needs more bytes
      reply r = convert(*static_cast<redisReply*>(raw));
      freeReplyObject(raw);
      if (pending_.empty()) {  // a reply nobody asked for: the stream is out of step
        fail(make_error_code(redis_errc::protocol_error));
        co_return;
      }
      pending p = std::move(pending_.front());
      pending_.pop_front();
      p.done(std::move(r));
    }
  }
}

// Sleeps until the oldest pending command's deadline (replies keep coming
// meanwhile); the deadlines are in queue order, so the oldest is the first.
net::awaitable<void> connection::watch_deadlines(std::shared_ptr<connection> /*alive*/) {
  while (open_.load(std::memory_order_relaxed)) {
    co_await deadline_timer_.async_wait(use_nothrow);  // woken early by on_enqueue and fail
    if (!open_.load(std::memory_order_relaxed)) break;
    if (pending_.empty()) {
      deadline_timer_.expires_at(clock_type::time_point::max());
    } else if (clock_type::now() >= pending_.front().deadline) {
      fail(make_error_code(redis_errc::timeout));
      break;
    } else {
      deadline_timer_.expires_at(pending_.front().deadline);
    }
  }
}

void connection::fail(boost::system::error_code ec) {
  if (!open_.exchange(false, std::memory_order_acq_rel)) return;
  closed_with_ = ec;
  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
  deadline_timer_.cancel();
  closed_timer_.cancel();
  auto failed = std::move(pending_);
  pending_.clear();
  for (auto& p : failed) p.done(ec);
}

void connection::close() {
  net::dispatch(strand_, [self = shared_from_this()] {
    boost::system::error_code ignored;
    if (self->open_.load(std::memory_order_relaxed))
      self->fail(make_error_code(redis_errc::connection_closed));
    else
      self->stream_.socket().close(ignored);  // a handshake that never opened
  });
}

net::awaitable<void> connection::wait_closed() {
  co_await net::co_spawn(strand_, wait_closed_on_strand(shared_from_this()), net::use_awaitable);
}

net::awaitable<void> connection::wait_closed_on_strand(std::shared_ptr<connection> /*alive*/) {
  if (open_.load(std::memory_order_relaxed)) co_await closed_timer_.async_wait(use_nothrow);
}

}  // namespace rai::redis
