#include "bench/publish_loop.hpp"

#include <amqp.h>
#include <amqp_framing.h>
#include <poll.h>
#include <sys/time.h>

#include <stdexcept>

#include "bench/confirm_ring.hpp"

namespace rai::bench {
namespace {

using clock = std::chrono::steady_clock;

constexpr std::uint64_t k_read_every = 64;  // publishes between non-blocking frame reads

amqp_bytes_t bytes(std::string_view s) {
  amqp_bytes_t b;
  b.len = s.size();
  b.bytes = const_cast<char*>(s.data());
  return b;
}

std::string close_reason(const amqp_method_t& m) {
  if (m.id == AMQP_CHANNEL_CLOSE_METHOD) {
    const auto* c = static_cast<const amqp_channel_close_t*>(m.decoded);
    return "channel closed by broker: " + std::to_string(c->reply_code) + " " +
           std::string(static_cast<const char*>(c->reply_text.bytes), c->reply_text.len);
  }
  const auto* c = static_cast<const amqp_connection_close_t*>(m.decoded);
  return "connection closed by broker: " + std::to_string(c->reply_code) + " " +
         std::string(static_cast<const char*>(c->reply_text.bytes), c->reply_text.len);
}

class publisher {
 public:
  publisher(amqp_session& s, const publish_plan& plan)
      : conn_(s.get()), plan_(plan), ring_(plan.window) {
    result_.latency_ns.reserve(1 << 20);
  }

  publish_result run(const message_source& next) {
    publish_message m;
    amqp_basic_properties_t props{};
    std::vector<amqp_table_entry_t> entries;
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
        wait_readable(due - now);
        read_frames(clock::duration::zero(), /*timeout_is_error=*/false);
        now = clock::now();
      }
      while (ring_.outstanding() >= ring_.window()) read_frames(plan_.confirm_timeout, true);

      m.headers.clear();
      next(seq, m);
      props._flags =
          AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG;
      props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
      props.content_type = amqp_cstring_bytes("application/json");
      props.message_id = bytes(m.message_id);
      if (!m.type.empty()) {
        props._flags |= AMQP_BASIC_TYPE_FLAG;
        props.type = bytes(m.type);
      }
      if (m.timestamp > 0) {
        props._flags |= AMQP_BASIC_TIMESTAMP_FLAG;
        props.timestamp = static_cast<std::uint64_t>(m.timestamp);
      }
      if (!m.headers.empty()) {
        entries.resize(m.headers.size());
        for (std::size_t i = 0; i < m.headers.size(); ++i) {
          entries[i].key = bytes(m.headers[i].first);
          entries[i].value.kind = AMQP_FIELD_KIND_UTF8;
          entries[i].value.value.bytes = bytes(m.headers[i].second);
        }
        props._flags |= AMQP_BASIC_HEADERS_FLAG;
        props.headers.num_entries = static_cast<int>(entries.size());
        props.headers.entries = entries.data();
      }
      const int rc = amqp_basic_publish(conn_, amqp_session::channel, bytes(plan_.exchange),
                                        bytes(plan_.routing_key), /*mandatory=*/1,
                                        /*immediate=*/0, &props, bytes(m.body));
      if (rc != AMQP_STATUS_OK)
        throw std::runtime_error("basic.publish: " + describe_amqp_status(rc));
      ring_.sent(due);
      ++result_.published;
      if (seq % k_read_every == k_read_every - 1 || amqp_frames_enqueued(conn_) ||
          amqp_data_in_buffer(conn_))
        read_frames(clock::duration::zero(), false);
    }
    while (ring_.outstanding() > 0) read_frames(plan_.confirm_timeout, true);
    result_.seconds = std::chrono::duration<double>(last_settle_ - start).count();
    return std::move(result_);
  }

 private:
  clock::duration period(std::uint64_t seq) const {
    return std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(static_cast<double>(seq) / plan_.rate));
  }

  // Sleeps until the socket is readable or `d` has passed, to the
  // nanosecond: rabbitmq-c's own wait rounds sub-millisecond timeouts down to
  // zero, which would spin and take CPU from the broker.
  void wait_readable(clock::duration d) const {
    if (amqp_frames_enqueued(conn_) || amqp_data_in_buffer(conn_)) return;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    const timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
    pollfd p{amqp_get_sockfd(conn_), POLLIN, 0};
    ::ppoll(&p, 1, &ts, nullptr);
  }

  // Reads one frame (waiting up to `first_wait` for it), then whatever
  // rabbitmq-c already holds.
  void read_frames(clock::duration first_wait, bool timeout_is_error) {
    for (bool first = true;; first = false) {
      if (!first && !amqp_frames_enqueued(conn_) && !amqp_data_in_buffer(conn_)) break;
      timeval wait{0, 0};
      if (first) {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(first_wait).count();
        wait.tv_sec = static_cast<time_t>(us / 1000000);
        wait.tv_usec = static_cast<suseconds_t>(us % 1000000);
      }
      amqp_frame_t frame;
      const int rc = amqp_simple_wait_frame_noblock(conn_, &frame, &wait);
      if (rc == AMQP_STATUS_TIMEOUT) {
        if (first && timeout_is_error)
          throw std::runtime_error("no confirm within " +
                                   std::to_string(plan_.confirm_timeout.count()) + " s");
        break;
      }
      if (rc != AMQP_STATUS_OK)
        throw std::runtime_error("reading frames: " + describe_amqp_status(rc));
      handle(frame);
    }
    amqp_maybe_release_buffers(conn_);
  }

  void handle(const amqp_frame_t& frame) {
    if (frame.frame_type != AMQP_FRAME_METHOD) return;
    const amqp_method_t& method = frame.payload.method;
    switch (method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        const auto* ack = static_cast<const amqp_basic_ack_t*>(method.decoded);
        settle(ack->delivery_tag, ack->multiple != 0, result_.acked);
        break;
      }
      case AMQP_BASIC_NACK_METHOD: {
        const auto* nack = static_cast<const amqp_basic_nack_t*>(method.decoded);
        settle(nack->delivery_tag, nack->multiple != 0, result_.nacked);
        break;
      }
      case AMQP_BASIC_RETURN_METHOD: {
        // The returned message's header and body follow; its ack comes after.
        amqp_message_t message;
        const amqp_rpc_reply_t r = amqp_read_message(conn_, frame.channel, &message, 0);
        if (r.reply_type != AMQP_RESPONSE_NORMAL)
          throw std::runtime_error("reading a returned message failed");
        amqp_destroy_message(&message);
        ++result_.returned;
        break;
      }
      case AMQP_CHANNEL_CLOSE_METHOD:
      case AMQP_CONNECTION_CLOSE_METHOD:
        throw std::runtime_error(close_reason(method));
      default:
        break;
    }
  }

  void settle(std::uint64_t tag, bool multiple, std::uint64_t& counter) {
    const clock::time_point now = clock::now();
    const std::size_t n = ring_.settle(tag, multiple, now, result_.latency_ns);
    if (n > 0) {
      counter += n;
      last_settle_ = now;
    }
  }

  amqp_connection_state_t conn_;
  const publish_plan& plan_;
  confirm_ring ring_;
  publish_result result_;
  clock::time_point last_settle_{};
};

}  // namespace

publish_result publish_with_confirms(amqp_session& session, const publish_plan& plan,
                                     const message_source& next) {
  session.confirm_select();
  return publisher(session, plan).run(next);
}

}  // namespace rai::bench
