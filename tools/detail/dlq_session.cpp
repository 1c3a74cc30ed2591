#include "tools/detail/dlq_session.hpp"

#include <amqp_framing.h>
#include <sys/time.h>

#include <algorithm>

namespace rai::tool::detail {
namespace {

namespace qd = amqp::detail;

constexpr amqp_channel_t get_channel = 1;
constexpr amqp_channel_t publish_channel = 2;

timeval to_timeval(std::chrono::milliseconds d) noexcept {
  const auto ms = std::max<std::chrono::milliseconds::rep>(d.count(), 0);
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms % 1000) * 1000);
  return tv;
}

}  // namespace

outcome<dlq_session> dlq_session::open(const std::string& url, std::chrono::milliseconds timeout,
                                       const std::string& connection_name) {
  qd::connect_params params;
  params.url = url;
  params.heartbeat = std::chrono::seconds{0};
  params.timeout = timeout;
  params.connection_name = connection_name;
  std::string error;
  auto c = qd::open_connection(params, get_channel, error);
  if (!c) return op_error("cannot connect to " + qd::redact_url(url) + ": " + error);
  return dlq_session(std::move(c), timeout);
}

dlq_session::~dlq_session() {
  close();
}

failure dlq_session::rpc_failure(amqp_channel_t channel, std::string_view what) {
  const amqp_rpc_reply_t reply = amqp_get_rpc_reply(conn_.get());
  state_ = qd::close_state_after(reply);
  state_channel_ = channel;
  return op_error(std::string(what) + ": " + qd::describe_reply(reply));
}

outcome<std::uint32_t> dlq_session::ready_count(std::string_view queue) {
  const auto* ok =
      amqp_queue_declare(conn_.get(), get_channel, qd::bytes_of(queue), /*passive=*/1,
                         /*durable=*/0, /*exclusive=*/0, /*auto_delete=*/0, amqp_empty_table);
  if (ok == nullptr) {
    return rpc_failure(get_channel, "queue '" + std::string(queue) +
                                        "' (passive declare; does it exist in this vhost?)");
  }
  return ok->message_count;
}

outcome<std::optional<dead_message>> dlq_session::get(std::string_view queue) {
  const amqp_rpc_reply_t reply =
      amqp_basic_get(conn_.get(), get_channel, qd::bytes_of(queue), /*no_ack=*/0);
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
    return rpc_failure(get_channel, "basic.get from '" + std::string(queue) + "'");
  }
  if (reply.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) return std::optional<dead_message>{};
  const auto* ok = static_cast<const amqp_basic_get_ok_t*>(reply.reply.decoded);
  const std::uint64_t tag = ok->delivery_tag;
  amqp_message_t message{};
  const amqp_rpc_reply_t read = amqp_read_message(conn_.get(), get_channel, &message, 0);
  if (read.reply_type != AMQP_RESPONSE_NORMAL) {
    state_ = qd::close_state_after(read);
    state_channel_ = get_channel;
    return op_error("reading a message from '" + std::string(queue) +
                    "': " + qd::describe_reply(read));
  }
  std::optional<dead_message> out(std::in_place, tag, message);
  amqp_maybe_release_buffers(conn_.get());
  return out;
}

outcome<void> dlq_session::ack(std::uint64_t delivery_tag) {
  if (const int rc = amqp_basic_ack(conn_.get(), get_channel, delivery_tag, /*multiple=*/0);
      rc != AMQP_STATUS_OK) {
    state_ = qd::close_state::broken;
    return op_error(std::string("basic.ack: ") + amqp_error_string2(rc));
  }
  return {};
}

outcome<void> dlq_session::enable_confirms() {
  amqp_channel_open(conn_.get(), publish_channel);
  if (amqp_get_rpc_reply(conn_.get()).reply_type != AMQP_RESPONSE_NORMAL) {
    return rpc_failure(publish_channel, "channel.open");
  }
  amqp_confirm_select(conn_.get(), publish_channel);
  if (amqp_get_rpc_reply(conn_.get()).reply_type != AMQP_RESPONSE_NORMAL) {
    return rpc_failure(publish_channel, "confirm.select");
  }
  next_seq_ = 1;
  return {};
}

outcome<std::uint64_t> dlq_session::publish(std::string_view exchange, std::string_view routing_key,
                                            const amqp_basic_properties_t& properties,
                                            amqp_bytes_t body) {
  const int rc = amqp_basic_publish(conn_.get(), publish_channel, qd::bytes_of(exchange),
                                    qd::bytes_of(routing_key), /*mandatory=*/1, /*immediate=*/0,
                                    &properties, body);
  if (rc != AMQP_STATUS_OK) {
    state_ = qd::close_state::broken;
    return op_error(std::string("basic.publish: ") + amqp_error_string2(rc));
  }
  return next_seq_++;
}

outcome<bool> dlq_session::handle_frame(const amqp_frame_t& frame, confirm_window& window) {
  if (frame.frame_type != AMQP_FRAME_METHOD) return true;
  const amqp_method_t& method = frame.payload.method;
  switch (method.id) {
    case AMQP_BASIC_ACK_METHOD: {
      const auto* a = static_cast<const amqp_basic_ack_t*>(method.decoded);
      window.ack(a->delivery_tag, a->multiple != 0);
      return true;
    }
    case AMQP_BASIC_NACK_METHOD: {
      const auto* n = static_cast<const amqp_basic_nack_t*>(method.decoded);
      window.nack(n->delivery_tag, n->multiple != 0);
      return true;
    }
    case AMQP_BASIC_RETURN_METHOD: {
      amqp_message_t returned{};
      const amqp_rpc_reply_t r = amqp_read_message(conn_.get(), frame.channel, &returned, 0);
      if (r.reply_type != AMQP_RESPONSE_NORMAL) {
        state_ = qd::close_state_after(r);
        state_channel_ = frame.channel;
        return op_error("reading a returned message: " + qd::describe_reply(r));
      }
      const dead_message m(0, returned);  // owns and frees it
      window.returned(m.message_id());
      return true;
    }
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD: {
      amqp_rpc_reply_t reply{};
      reply.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION;
      reply.reply = method;
      state_ = qd::close_state_after(reply);
      state_channel_ = frame.channel;
      return op_error(qd::describe_reply(reply));
    }
    default:
      return true;
  }
}

outcome<void> dlq_session::await_confirms(confirm_window& window,
                                          std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  while (!window.settled()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) {
      return op_error("no publisher confirm within " + std::to_string(timeout.count()) + " ms");
    }
    amqp_frame_t frame;
    const timeval tv = to_timeval(left);
    const int rc = amqp_simple_wait_frame_noblock(conn_.get(), &frame, &tv);
    if (rc == AMQP_STATUS_TIMEOUT) continue;
    if (rc != AMQP_STATUS_OK) {
      state_ = qd::close_state::broken;
      return op_error(std::string("reading confirms: ") + amqp_error_string2(rc));
    }
    auto handled = handle_frame(frame, window);
    if (!handled) return handled.error();
  }
  amqp_maybe_release_buffers(conn_.get());
  return {};
}

void dlq_session::close() noexcept {
  if (!conn_) return;
  qd::close_connection(std::move(conn_), state_channel_, state_, timeout_);
}

}  // namespace rai::tool::detail
