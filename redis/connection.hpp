#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "redis/errc.hpp"
#include "redis/reply.hpp"
#include "redis/url.hpp"

struct redisReader;

namespace rai::redis {

namespace net = boost::asio;

struct connection_settings {
  endpoint where;
  // TCP connect, then AUTH and SELECT (each also bounded by command_timeout).
  // Name resolution is getaddrinfo's and keeps its own timeouts.
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{50};  // every command, from queueing to its reply
  std::size_t max_pending = 65536;                // commands queued or waiting for a reply
};

// One pipelined connection to Redis. Any number of coroutines, on any
// executor and thread, may issue commands at once: each command is formatted
// on the caller's thread (hiredis' redisFormatCommandArgv), queued on the
// connection's strand, written in order (one write in flight, later commands
// batched behind it), and its reply matched FIFO (hiredis' reader parses).
//
// Every command is bounded by command_timeout. When the oldest command's
// time runs out the connection is declared broken (RESP cannot skip a reply
// that may still come): every pending command fails with redis_errc::timeout
// and the socket is closed. So do a read error, EOF and a protocol error.
// A closed connection stays closed: make a new one (the owner reconnects,
// with its own backoff). Nothing here blocks a thread.
//
// Errors are values: a command completes with a reply (an error reply is a
// reply of kind error) or an error_code, never an exception. The connection
// lives while it is open (its read loop holds it); close() ends it.
class connection : public std::enable_shared_from_this<connection> {
 public:
  using result_type = boost::system::result<reply>;
  // Called exactly once, on the connection's strand: keep it short.
  using completion = std::function<void(result_type)>;

  // Resolves, connects, AUTHs (when the endpoint has a password) and SELECTs
  // (when db is not 0). Failures: a socket error, redis_errc::connect_timeout,
  // auth_failed, select_failed, timeout.
  static net::awaitable<boost::system::result<std::shared_ptr<connection>>> connect(
      net::any_io_executor ex, connection_settings settings);

  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Sends one command and waits for its reply; resumes on the caller's
  // executor. The arguments are formatted before the first suspension: they
  // need not outlive the call. (No initializer-list overload: g++ 12
  // miscompiles a braced list inside co_await.)
  net::awaitable<result_type> command(std::span<const std::string_view> args);

  // Sends one command without waiting; `done` (may be empty) gets the reply.
  void send(std::span<const std::string_view> args, completion done = {});
  void send(std::initializer_list<std::string_view> args, completion done = {}) {
    send(std::span<const std::string_view>(args.begin(), args.size()), std::move(done));
  }

  bool is_open() const noexcept { return open_.load(std::memory_order_acquire); }
  // Fails every pending command with redis_errc::connection_closed. Thread-safe.
  void close();
  // Completes when the connection has closed (at once if it has).
  net::awaitable<void> wait_closed();

 private:
  struct pending {
    std::chrono::steady_clock::time_point deadline;
    completion done;
  };
  using strand_type = net::strand<net::any_io_executor>;

  connection(net::any_io_executor ex, connection_settings settings);

  net::awaitable<boost::system::error_code> handshake();
  // Each loop holds the connection alive while it runs.
  net::awaitable<void> read_loop(std::shared_ptr<connection> alive);
  net::awaitable<void> write_loop(std::shared_ptr<connection> alive);
  net::awaitable<void> watch_deadlines(std::shared_ptr<connection> alive);
  net::awaitable<void> wait_closed_on_strand(std::shared_ptr<connection> alive);
  void enqueue(std::string bytes, completion done);
  void on_enqueue(std::string bytes, completion done);  // on the strand
  void fail(boost::system::error_code ec);              // on the strand

  const connection_settings settings_;
  strand_type strand_;
  boost::beast::tcp_stream stream_;
  net::steady_timer deadline_timer_;  // at the oldest pending command's deadline
  net::steady_timer closed_timer_;    // never expires; cancelled when the connection closes
  redisReader* reader_;
  // On the strand only:
  std::deque<pending> pending_;
  std::string out_;      // formatted commands not yet handed to a write
  std::string writing_;  // the bytes of the write in flight
  bool write_running_ = false;
  boost::system::error_code closed_with_;
  std::atomic<bool> open_{false};
};

}  // namespace rai::redis
