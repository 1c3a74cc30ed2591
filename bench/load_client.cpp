#include "bench/load_client.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "http/net.hpp"

namespace rai::bench {
namespace {

using namespace gateway;  // http/net.hpp: net, beast, http, tcp, use_nothrow
using clock = std::chrono::steady_clock;

constexpr std::uint64_t k_response_limit = 64 * 1024;

std::uint64_t ns_between(clock::time_point a, clock::time_point b) {
  return b > a ? static_cast<std::uint64_t>((b - a).count()) : 0;
}

// One thread's share of the connections, on its own io_context.
class worker {
 public:
  worker(const prepared_requests& requests, const load_plan& plan, tcp::endpoint target,
         unsigned index, unsigned stride, std::size_t connections, std::uint64_t count, double rate)
      : requests_(requests),
        plan_(plan),
        target_(target),
        index_(index),
        stride_(stride),
        count_(count),
        interval_ns_(rate > 0 ? 1e9 / rate : 0) {
    for (std::size_t i = 0; i < connections; ++i)
      conns_.push_back(std::make_unique<connection>(ioc_));
    result_.latencies_ns.reserve(1 << 20);
  }

  void connect_all() {
    for (auto& c : conns_) {
      boost::system::error_code ec;
      c->socket.connect(target_, ec);
      if (ec)
        throw std::runtime_error("cannot connect to " + target_.address().to_string() + ":" +
                                 std::to_string(target_.port()) + ": " + ec.message());
      c->socket.set_option(tcp::no_delay(true), ec);
    }
  }

  void start(clock::time_point start, clock::time_point warmup_end, clock::time_point end) {
    start_ = start;
    warmup_end_ = warmup_end;
    end_ = end;
    active_ = conns_.size();
    for (auto& c : conns_) net::co_spawn(ioc_, drive(*c), net::detached);
    net::co_spawn(ioc_, watchdog(), net::detached);
  }

  void run() { ioc_.run(); }

  load_result& result() { return result_; }
  clock::time_point last_measured() const { return last_measured_; }
  clock::time_point last_answer() const { return last_answer_; }

 private:
  struct connection {
    explicit connection(net::io_context& ioc) : socket(ioc) {}
    tcp::socket socket;
    beast::flat_buffer buffer;
    std::optional<http::response_parser<http::string_body>> parser;
    std::string plaintext;   // scratch for sealing
    std::string tail;        // this request's own header lines and sealed body
    bool abandoned = false;  // closed by the watchdog
  };

  // Decides whether another request goes out and when it is due.
  bool take_slot(clock::time_point& due) {
    const std::uint64_t i = taken_;
    if (count_ != 0 && i >= count_) return false;
    if (interval_ns_ > 0) {
      due = start_ + std::chrono::nanoseconds(static_cast<std::int64_t>(i * interval_ns_));
      if (due >= end_) return false;
    } else {
      due = clock::now();
      if (due >= end_) return false;
    }
    ++taken_;
    return true;
  }

  net::awaitable<bool> reconnect(connection& c, net::steady_timer& timer) {
    boost::system::error_code ignored;
    c.socket.close(ignored);
    c.buffer.clear();
    auto [ec] = co_await c.socket.async_connect(target_, use_nothrow);
    if (ec) {
      ++result_.connect_errors;
      c.socket.close(ignored);
      timer.expires_after(std::chrono::milliseconds(100));  // do not spin on a refusing port
      co_await timer.async_wait(use_nothrow);
      co_return false;
    }
    c.socket.set_option(tcp::no_delay(true), ignored);
    c.abandoned = false;
    co_return true;
  }

  void drop(connection& c) {
    boost::system::error_code ignored;
    c.socket.close(ignored);
  }

  net::awaitable<void> drive(connection& c) {
    net::steady_timer timer(ioc_);
    clock::time_point due;
    while (take_slot(due)) {
      if (interval_ns_ > 0 && due > clock::now()) {
        timer.expires_at(due);
        co_await timer.async_wait(use_nothrow);
      }
      const std::uint64_t seq = next_local_++ * stride_ + index_;
      if (!build_request(requests_, seq, c.plaintext, c.tail)) {
        ++result_.seal_errors;
        continue;
      }
      if (!c.socket.is_open() && !co_await reconnect(c, timer)) continue;

      const std::array<net::const_buffer, 2> buffers{net::buffer(requests_.head),
                                                     net::buffer(c.tail)};
      const clock::time_point sent_at = clock::now();
      if (interval_ns_ == 0) due = sent_at;
      auto [wec, written] = co_await net::async_write(c.socket, buffers, use_nothrow);
      if (wec) {
        ++(c.abandoned ? result_.timeouts : result_.write_errors);
        drop(c);
        continue;
      }
      ++result_.sent;

      c.parser.emplace();
      c.parser->body_limit(k_response_limit);
      auto [rec, read] = co_await http::async_read(c.socket, c.buffer, *c.parser, use_nothrow);
      const clock::time_point done = clock::now();
      if (rec) {
        ++(c.abandoned ? result_.timeouts : result_.read_errors);
        drop(c);
        continue;
      }
      ++progress_;
      ++result_.answered;
      last_answer_ = std::max(last_answer_, done);
      const auto& res = c.parser->get();
      const unsigned status = std::min(res.result_int(), 599u);
      ++result_.status[status];
      if (status == 200) {
        if (res.body().find("\"duplicate\":true") != std::string::npos) ++result_.duplicates;
        if (plan_.keep_ids) result_.accepted_ids.push_back(request_id(requests_, seq));
      }
      if (due >= warmup_end_) {
        result_.latencies_ns.push_back(ns_between(due, done));
        last_measured_ = std::max(last_measured_, done);
      }
      if (!res.keep_alive()) drop(c);
    }
    --active_;
  }

  // Closes every connection when no response has arrived for stall_timeout
  // while requests are out; ends when every connection has finished.
  net::awaitable<void> watchdog() {
    net::steady_timer timer(ioc_);
    std::uint64_t seen = progress_;
    clock::time_point last_progress = clock::now();
    while (active_ > 0) {
      timer.expires_after(std::chrono::milliseconds(50));
      co_await timer.async_wait(use_nothrow);
      const clock::time_point now = clock::now();
      if (progress_ != seen) {
        seen = progress_;
        last_progress = now;
      } else if (now - last_progress > plan_.stall_timeout) {
        for (auto& c : conns_) {
          if (c->socket.is_open()) {
            c->abandoned = true;
            drop(*c);
          }
        }
        last_progress = now;
      }
    }
  }

  const prepared_requests& requests_;
  const load_plan& plan_;
  const tcp::endpoint target_;
  const unsigned index_;
  const unsigned stride_;
  const std::uint64_t count_;
  const double interval_ns_;

  net::io_context ioc_{1};
  std::vector<std::unique_ptr<connection>> conns_;
  clock::time_point start_, warmup_end_, end_;
  clock::time_point last_measured_{}, last_answer_{};
  std::size_t active_ = 0;
  std::uint64_t taken_ = 0;
  std::uint64_t next_local_ = 0;
  std::uint64_t progress_ = 0;
  load_result result_;
};

void merge(load_result& into, load_result&& from) {
  into.latencies_ns.insert(into.latencies_ns.end(), from.latencies_ns.begin(),
                           from.latencies_ns.end());
  for (std::size_t i = 0; i < into.status.size(); ++i) into.status[i] += from.status[i];
  into.sent += from.sent;
  into.answered += from.answered;
  into.duplicates += from.duplicates;
  into.connect_errors += from.connect_errors;
  into.write_errors += from.write_errors;
  into.read_errors += from.read_errors;
  into.timeouts += from.timeouts;
  into.seal_errors += from.seal_errors;
  for (auto& id : from.accepted_ids) into.accepted_ids.push_back(std::move(id));
}

}  // namespace

load_result run_load(const prepared_requests& requests, const load_plan& plan) {
  if (requests.templates.empty()) throw std::runtime_error("no events to send");
  if (plan.connections == 0) throw std::runtime_error("--connections must be at least 1");
  if (plan.duration.count() == 0 && plan.count == 0)
    throw std::runtime_error("give --duration or --count");
  const unsigned threads =
      static_cast<unsigned>(std::clamp<std::size_t>(plan.threads, 1, plan.connections));

  boost::system::error_code ec;
  const auto address = net::ip::make_address(plan.host, ec);
  if (ec) throw std::runtime_error("--host must be an IP address: '" + plan.host + "'");
  const tcp::endpoint target(address, plan.port);

  std::vector<std::unique_ptr<worker>> workers;
  for (unsigned t = 0; t < threads; ++t) {
    const std::size_t conns = plan.connections / threads + (t < plan.connections % threads);
    const std::uint64_t count = plan.count / threads + (t < plan.count % threads);
    if (plan.count != 0 && count == 0) continue;
    workers.push_back(std::make_unique<worker>(requests, plan, target, t, threads, conns, count,
                                               plan.rate / threads));
  }
  for (auto& w : workers) w->connect_all();

  const clock::time_point start = clock::now();
  const clock::time_point warmup_end = start + plan.warmup;
  const clock::time_point end =
      plan.duration.count() == 0 ? clock::time_point::max() : warmup_end + plan.duration;
  for (auto& w : workers) w->start(start, warmup_end, end);
  std::vector<std::thread> running;
  for (std::size_t t = 1; t < workers.size(); ++t)
    running.emplace_back([&w = *workers[t]] { w.run(); });
  workers[0]->run();
  for (auto& t : running) t.join();

  load_result out;
  clock::time_point last_measured = warmup_end;
  clock::time_point last_answer = start;
  for (auto& w : workers) {
    last_measured = std::max(last_measured, w->last_measured());
    last_answer = std::max(last_answer, w->last_answer());
    merge(out, std::move(w->result()));
  }
  out.measured_seconds = std::chrono::duration<double>(last_measured - warmup_end).count();
  out.wall_seconds = std::chrono::duration<double>(last_answer - start).count();
  return out;
}

}  // namespace rai::bench
