#include "bench/publish_loop.hpp"

#include <utility>

namespace rai::bench {
namespace {

using clock = std::chrono::steady_clock;

constexpr std::uint64_t k_read_every = 64;      // publishes between non-blocking confirm reads
constexpr std::chrono::seconds k_wait_step{1};  // a blocking wait; deadlines end it sooner

class publisher {
 public:
  publisher(amqp::session& s, const publish_plan& plan) : session_(s), plan_(plan) {
    result_.latency_ns.reserve(1 << 20);
  }

  publish_result run(const message_source& next) {
    const clock::time_point start = clock::now();
    const clock::time_point end =
        plan_.duration.count() == 0 ? clock::time_point::max() : start + plan_.duration;
    last_settle_ = start;
    for (std::uint64_t seq = 0;; ++seq) {
      if (plan_.count != 0 && seq >= plan_.count) break;
      clock::time_point now = clock::now();
      if (now >= end) break;
      const clock::time_point due = plan_.rate > 0 ? start + period(seq) : now;
      while (now < due) {
        session_.read_confirms(due - now).value();
        now = clock::now();
      }
      while (session_.unconfirmed() >= plan_.window) session_.read_confirms(k_wait_step).value();

      amqp::message m;
      next(seq, m);
      m.exchange = plan_.exchange;
      m.routing_key = plan_.routing_key;
      session_.publish(std::move(m), [this, due](amqp::publish_status s) { settle(s, due); })
          .value();
      ++result_.published;
      if (seq % k_read_every == k_read_every - 1) {
        session_.read_confirms(std::chrono::nanoseconds::zero()).value();
      }
    }
    session_.await_confirms().value();
    result_.seconds = std::chrono::duration<double>(last_settle_ - start).count();
    return std::move(result_);
  }

 private:
  clock::duration period(std::uint64_t seq) const {
    return std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(static_cast<double>(seq) / plan_.rate));
  }

  void settle(amqp::publish_status status, clock::time_point due) {
    const clock::time_point now = clock::now();
    const auto waited = std::chrono::duration_cast<std::chrono::nanoseconds>(now - due);
    result_.latency_ns.push_back(waited.count() > 0 ? static_cast<std::uint64_t>(waited.count())
                                                    : 0);
    last_settle_ = now;
    switch (status) {
      case amqp::publish_status::confirmed:
        ++result_.acked;
        break;
      case amqp::publish_status::returned:
        ++result_.acked;
        ++result_.returned;
        break;
      case amqp::publish_status::nacked:
        ++result_.nacked;
        break;
      default:  // timed out or lost: the session's call reports it
        break;
    }
  }

  amqp::session& session_;
  const publish_plan& plan_;
  publish_result result_;
  clock::time_point last_settle_{};
};

}  // namespace

publish_result publish_with_confirms(amqp::session& session, const publish_plan& plan,
                                     const message_source& next) {
  session.enable_confirms().value();
  return publisher(session, plan).run(next);
}

}  // namespace rai::bench
