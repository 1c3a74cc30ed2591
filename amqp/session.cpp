#include "amqp/session.hpp"

#include <amqp.h>
#include <amqp_framing.h>
#include <poll.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <exception>

#include "amqp/detail/amqp.hpp"
#include "amqp/detail/loop.hpp"
#include "amqp/detail/publish.hpp"
#include "amqp/detail/table_text.hpp"
#include "amqp/detail/topology.hpp"
#include "amqp/node_ring.hpp"

namespace rai::amqp {

namespace {

using clock = confirm_tracker::clock;

constexpr amqp_channel_t k_rpc_channel = 1;
constexpr amqp_channel_t k_confirm_channel = 2;
constexpr amqp_channel_t k_stream_channel = 3;
constexpr int k_max_frames_per_read = 4096;

// Properties a republished copy keeps (see republish_edit).
constexpr amqp_flags_t k_republish_kept =
    AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_CONTENT_ENCODING_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
    AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG | AMQP_BASIC_APP_ID_FLAG |
    AMQP_BASIC_TIMESTAMP_FLAG;

std::string_view property(const amqp_basic_properties_t& p, amqp_flags_t flag,
                          amqp_bytes_t value) noexcept {
  return (p._flags & flag) != 0 ? detail::view_of(value) : std::string_view{};
}

void run(const session::completion& done, publish_status status) noexcept {
  if (!done) return;
  try {
    done(status);
  } catch (const std::exception&) {
    // A completion must not throw; the session carries on without it.
  }
}

}  // namespace

// --- taken_message ---------------------------------------------------------------

struct taken_message::impl {
  std::uint64_t tag = 0;
  amqp_channel_t channel = k_rpc_channel;
  bool redelivered = false;
  std::string routing_key;
  amqp_message_t message{};

  impl() = default;
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
  ~impl() { amqp_destroy_message(&message); }
};

taken_message::taken_message(std::unique_ptr<impl> i) noexcept : impl_(std::move(i)) {}
taken_message::taken_message(taken_message&&) noexcept = default;
taken_message& taken_message::operator=(taken_message&&) noexcept = default;
taken_message::~taken_message() = default;

std::uint64_t taken_message::delivery_tag() const noexcept {
  return impl_->tag;
}

bool taken_message::redelivered() const noexcept {
  return impl_->redelivered;
}

std::string_view taken_message::message_id() const noexcept {
  const auto& p = impl_->message.properties;
  return property(p, AMQP_BASIC_MESSAGE_ID_FLAG, p.message_id);
}

std::string_view taken_message::type() const noexcept {
  const auto& p = impl_->message.properties;
  return property(p, AMQP_BASIC_TYPE_FLAG, p.type);
}

std::string_view taken_message::body() const noexcept {
  return detail::view_of(impl_->message.body);
}

std::optional<std::int64_t> taken_message::timestamp() const noexcept {
  const auto& p = impl_->message.properties;
  if ((p._flags & AMQP_BASIC_TIMESTAMP_FLAG) == 0) return std::nullopt;
  return static_cast<std::int64_t>(p.timestamp);
}

const std::string& taken_message::routing_key() const noexcept {
  return impl_->routing_key;
}

std::optional<std::string> taken_message::header(std::string_view name) const {
  const auto& p = impl_->message.properties;
  if ((p._flags & AMQP_BASIC_HEADERS_FLAG) == 0) return std::nullopt;
  return detail::table_text(p.headers, name);
}

// --- session ---------------------------------------------------------------------

struct session::impl {
  detail::connection_ptr conn;
  std::string where;
  std::chrono::milliseconds timeout{};
  // How to tear the connection down, and which channel that is about.
  detail::close_state teardown = detail::close_state::open;
  amqp_channel_t teardown_channel = k_rpc_channel;
  bool confirms = false;
  confirm_tracker tracker;
  std::vector<amqp_table_entry_t> scratch;

  // The connection can take another call.
  result<> usable() const {
    if (!conn) return error{"the session is closed"};
    if (teardown != detail::close_state::open) return error{"the connection has failed"};
    return {};
  }

  error fail(detail::failure f, amqp_channel_t channel) {
    teardown = f.teardown;
    teardown_channel = channel;
    return error{std::move(f.why)};
  }

  // After a failed RPC on `channel`.
  error rpc_failure(amqp_channel_t channel, std::string_view what) {
    const amqp_rpc_reply_t reply = amqp_get_rpc_reply(conn.get());
    teardown = detail::close_state_after(reply);
    teardown_channel = channel;
    return error{std::string(what) + ": " + detail::describe_reply(reply)};
  }

  result<> confirm_mode() const {
    if (auto ok = usable(); !ok) return ok;
    if (!confirms) return error{"publishing needs enable_confirms() first"};
    return {};
  }

  result<> track(int rc, completion done, std::string message_id, std::string_view exchange,
                 std::string_view routing_key) {
    if (rc != AMQP_STATUS_OK) {
      run(done, publish_status::connection_lost);
      return fail(detail::socket_failure("basic.publish", rc), k_confirm_channel);
    }
    tracker.add(std::move(done), std::move(message_id), std::string(exchange),
                std::string(routing_key), clock::now() + timeout);
    return {};
  }

  detail::step<> handle_frame(const amqp_frame_t& frame);
  // Sleeps until the socket is readable or `wait` has passed, to the
  // nanosecond (poll() would round a sub-millisecond wait to a spin or 1 ms).
  void wait_readable(std::chrono::nanoseconds wait) const noexcept;
  // Runs the settled completions; true if any of them timed out.
  bool deliver();
};

detail::step<> session::impl::handle_frame(const amqp_frame_t& frame) {
  if (frame.frame_type != AMQP_FRAME_METHOD) return {};
  const amqp_method_t& method = frame.payload.method;
  switch (method.id) {
    case AMQP_BASIC_ACK_METHOD: {
      const auto* a = static_cast<const amqp_basic_ack_t*>(method.decoded);
      tracker.ack(a->delivery_tag, a->multiple != 0);
      return {};
    }
    case AMQP_BASIC_NACK_METHOD: {
      const auto* n = static_cast<const amqp_basic_nack_t*>(method.decoded);
      tracker.nack(n->delivery_tag, n->multiple != 0);
      return {};
    }
    case AMQP_BASIC_RETURN_METHOD: {
      // Copy out of the frame pool before reading the content frames. The
      // broker's ack for the returned message follows and settles it.
      const auto* r = static_cast<const amqp_basic_return_t*>(method.decoded);
      const std::string exchange(detail::view_of(r->exchange));
      const std::string routing_key(detail::view_of(r->routing_key));
      amqp_message_t returned{};
      const amqp_rpc_reply_t read = amqp_read_message(conn.get(), frame.channel, &returned, 0);
      if (read.reply_type != AMQP_RESPONSE_NORMAL) {
        return detail::failed_read("reading a returned message", read);
      }
      const auto& p = returned.properties;
      tracker.mark_returned(property(p, AMQP_BASIC_MESSAGE_ID_FLAG, p.message_id), exchange,
                            routing_key);
      amqp_destroy_message(&returned);
      return {};
    }
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD:
      return detail::closed_by_broker(method);
    default:
      return {};
  }
}

void session::impl::wait_readable(std::chrono::nanoseconds wait) const noexcept {
  if (amqp_frames_enqueued(conn.get()) || amqp_data_in_buffer(conn.get())) return;
  const auto ns = std::max<std::chrono::nanoseconds::rep>(wait.count(), 0);
  const timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  pollfd p{amqp_get_sockfd(conn.get()), POLLIN, 0};
  ::ppoll(&p, 1, &ts, nullptr);  // EINTR: the caller's loop comes back
}

bool session::impl::deliver() {
  bool timed_out = false;
  for (const confirm_tracker::settled& s : tracker.take_settled()) {
    timed_out = timed_out || s.status == publish_status::timed_out;
    run(s.done, s.status);
  }
  return timed_out;
}

result<session> session::open(const session_settings& settings) {
  if (settings.urls.empty()) return error{"cannot connect: no broker URL"};
  detail::connect_params params;
  params.tls = settings.tls;
  params.heartbeat = std::chrono::seconds{0};  // every wait is bounded by timeout instead
  params.timeout = settings.timeout;
  params.connection_name = settings.connection_name;
  // Each node once, from a random one; the first that accepts serves.
  node_ring nodes(settings.urls);
  std::string refused;
  for (std::size_t tried = 0; tried < nodes.size(); ++tried, nodes.next()) {
    params.url = nodes.url();
    auto c = detail::open_connection(params, k_rpc_channel);
    if (c) {
      auto i = std::make_unique<impl>();
      i->where = nodes.url_for_logs();
      i->timeout = settings.timeout;
      i->conn = std::move(*c);
      return session(std::move(i));
    }
    if (nodes.size() == 1)
      return error{"cannot connect to " + nodes.url_for_logs() + ": " + c.error().text};
    refused += (refused.empty() ? "" : "; ") + nodes.url_for_logs() + ": " + c.error().text;
  }
  return error{"cannot connect to any of the " + std::to_string(nodes.size()) +
               " nodes: " + refused};
}

session::session(std::unique_ptr<impl> i) noexcept : impl_(std::move(i)) {}
session::session(session&&) noexcept = default;
session& session::operator=(session&& other) noexcept {
  if (this != &other) {
    close();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

session::~session() {
  close();
}

const std::string& session::where() const noexcept {
  return impl_->where;
}

result<> session::declare_topology(queue_type queues, const std::string& events_exchange,
                                   const history_settings& history) {
  if (auto ok = impl_->usable(); !ok) return ok;
  auto declared =
      detail::declare_topology(impl_->conn.get(), k_rpc_channel, queues, events_exchange, history);
  if (!declared) {
    impl_->teardown = detail::close_state_after(amqp_get_rpc_reply(impl_->conn.get()));
    impl_->teardown_channel = k_rpc_channel;
  }
  return declared;
}

result<> session::declare_bound_queue(const std::string& queue, const std::string& exchange,
                                      const std::string& binding_key, std::uint64_t max_length) {
  if (auto ok = impl_->usable(); !ok) return ok;
  amqp_connection_state_t c = impl_->conn.get();
  amqp_table_entry_t limit;
  limit.key = amqp_cstring_bytes("x-max-length");
  limit.value.kind = AMQP_FIELD_KIND_I64;
  limit.value.value.i64 = static_cast<std::int64_t>(max_length);
  amqp_table_t arguments;
  arguments.num_entries = max_length > 0 ? 1 : 0;
  arguments.entries = max_length > 0 ? &limit : nullptr;
  amqp_queue_declare(c, k_rpc_channel, detail::bytes_of(queue), /*passive=*/0, /*durable=*/1,
                     /*exclusive=*/0, /*auto_delete=*/0, arguments);
  if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL) {
    return impl_->rpc_failure(k_rpc_channel, "declare queue '" + queue + "'");
  }
  amqp_queue_bind(c, k_rpc_channel, detail::bytes_of(queue), detail::bytes_of(exchange),
                  detail::bytes_of(binding_key), amqp_empty_table);
  if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL) {
    return impl_->rpc_failure(k_rpc_channel, "bind queue '" + queue + "' to '" + exchange + "'");
  }
  return {};
}

result<std::uint32_t> session::purge(const std::string& queue) {
  if (auto ok = impl_->usable(); !ok) return ok.error();
  const auto* ok = amqp_queue_purge(impl_->conn.get(), k_rpc_channel, detail::bytes_of(queue));
  if (ok == nullptr) return impl_->rpc_failure(k_rpc_channel, "purge queue '" + queue + "'");
  return ok->message_count;
}

result<std::uint32_t> session::ready_count(std::string_view queue) {
  if (auto ok = impl_->usable(); !ok) return ok.error();
  const auto* ok =
      amqp_queue_declare(impl_->conn.get(), k_rpc_channel, detail::bytes_of(queue), /*passive=*/1,
                         /*durable=*/0, /*exclusive=*/0, /*auto_delete=*/0, amqp_empty_table);
  if (ok == nullptr) {
    return impl_->rpc_failure(k_rpc_channel, "queue '" + std::string(queue) +
                                                 "' (passive declare; does it exist in this "
                                                 "vhost?)");
  }
  return ok->message_count;
}

result<std::optional<taken_message>> session::get(std::string_view queue) {
  if (auto ok = impl_->usable(); !ok) return ok.error();
  amqp_connection_state_t c = impl_->conn.get();
  const amqp_rpc_reply_t reply =
      amqp_basic_get(c, k_rpc_channel, detail::bytes_of(queue), /*no_ack=*/0);
  if (reply.reply_type != AMQP_RESPONSE_NORMAL) {
    return impl_->rpc_failure(k_rpc_channel, "basic.get from '" + std::string(queue) + "'");
  }
  if (reply.reply.id == AMQP_BASIC_GET_EMPTY_METHOD) return std::optional<taken_message>{};
  const auto* ok = static_cast<const amqp_basic_get_ok_t*>(reply.reply.decoded);
  auto m = std::make_unique<taken_message::impl>();
  m->tag = ok->delivery_tag;
  m->redelivered = ok->redelivered != 0;
  m->routing_key = std::string(detail::view_of(ok->routing_key));
  const amqp_rpc_reply_t read = amqp_read_message(c, k_rpc_channel, &m->message, 0);
  if (read.reply_type != AMQP_RESPONSE_NORMAL) {
    m->message = amqp_message_t{};  // nothing to destroy
    return impl_->fail(
        detail::failed_read("reading a message from '" + std::string(queue) + "'", read),
        k_rpc_channel);
  }
  amqp_maybe_release_buffers(c);  // the message owns its copy
  return std::optional<taken_message>(taken_message(std::move(m)));
}

result<> session::ack(const taken_message& m, bool multiple) {
  if (auto ok = impl_->usable(); !ok) return ok;
  if (const int rc =
          amqp_basic_ack(impl_->conn.get(), m.impl_->channel, m.delivery_tag(), multiple ? 1 : 0);
      rc != AMQP_STATUS_OK) {
    return impl_->fail(detail::socket_failure("basic.ack", rc), m.impl_->channel);
  }
  return {};
}

result<> session::declare_queue(const std::string& queue) {
  if (auto ok = impl_->usable(); !ok) return ok;
  amqp_queue_declare(impl_->conn.get(), k_rpc_channel, detail::bytes_of(queue), /*passive=*/0,
                     /*durable=*/1, /*exclusive=*/0, /*auto_delete=*/0, amqp_empty_table);
  if (amqp_get_rpc_reply(impl_->conn.get()).reply_type != AMQP_RESPONSE_NORMAL) {
    return impl_->rpc_failure(k_rpc_channel, "declare queue '" + queue + "'");
  }
  return {};
}

result<> session::consume_stream(std::string_view stream, stream_start start,
                                 std::uint16_t prefetch) {
  if (auto ok = impl_->usable(); !ok) return ok;
  amqp_connection_state_t c = impl_->conn.get();
  amqp_channel_open(c, k_stream_channel);
  if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL) {
    return impl_->rpc_failure(k_stream_channel, "channel.open");
  }
  amqp_basic_qos(c, k_stream_channel, 0, prefetch, /*global=*/0);
  if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL) {
    return impl_->rpc_failure(k_stream_channel, "basic.qos");
  }
  amqp_table_entry_t offset;
  offset.key = amqp_cstring_bytes("x-stream-offset");
  using kind = stream_start::kind;
  switch (start.from) {
    case kind::first:
    case kind::next:
    case kind::last:
      offset.value.kind = AMQP_FIELD_KIND_UTF8;
      offset.value.value.bytes = amqp_cstring_bytes(start.from == kind::first  ? "first"
                                                    : start.from == kind::next ? "next"
                                                                               : "last");
      break;
    case kind::timestamp:
      offset.value.kind = AMQP_FIELD_KIND_TIMESTAMP;
      offset.value.value.u64 = static_cast<std::uint64_t>(std::max<std::int64_t>(start.value, 0));
      break;
    case kind::offset:
      offset.value.kind = AMQP_FIELD_KIND_I64;
      offset.value.value.i64 = start.value;
      break;
  }
  amqp_table_t arguments{1, &offset};
  amqp_basic_consume(c, k_stream_channel, detail::bytes_of(stream), amqp_empty_bytes,
                     /*no_local=*/0, /*no_ack=*/0, /*exclusive=*/0, arguments);
  if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL) {
    return impl_->rpc_failure(k_stream_channel,
                              "basic.consume of stream '" + std::string(stream) + "'");
  }
  return {};
}

result<std::optional<taken_message>> session::next_delivery(std::chrono::milliseconds wait) {
  if (auto ok = impl_->usable(); !ok) return ok.error();
  amqp_connection_state_t c = impl_->conn.get();
  const auto deadline = clock::now() + wait;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    if (left.count() <= 0) return std::optional<taken_message>{};
    timeval tv = detail::to_timeval(left);
    amqp_maybe_release_buffers(c);
    amqp_envelope_t envelope{};
    const amqp_rpc_reply_t reply = amqp_consume_message(c, &envelope, &tv, 0);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) {
      auto m = std::make_unique<taken_message::impl>();
      m->tag = envelope.delivery_tag;
      m->channel = envelope.channel;
      m->redelivered = envelope.redelivered != 0;
      m->routing_key = std::string(detail::view_of(envelope.routing_key));
      m->message = envelope.message;  // the message now owns its pool and body
      envelope.message = amqp_message_t{};
      amqp_destroy_envelope(&envelope);
      return std::optional<taken_message>(taken_message(std::move(m)));
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        reply.library_error == AMQP_STATUS_TIMEOUT) {
      return std::optional<taken_message>{};
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
      // A method other than basic.deliver: a close ends the read, anything
      // else (a consumer's basic.cancel included) is read and reported.
      amqp_frame_t frame;
      if (const int rc = amqp_simple_wait_frame(c, &frame); rc != AMQP_STATUS_OK) {
        return impl_->fail(detail::socket_failure("reading a frame", rc), k_stream_channel);
      }
      if (frame.frame_type != AMQP_FRAME_METHOD) continue;
      switch (frame.payload.method.id) {
        case AMQP_CHANNEL_CLOSE_METHOD:
        case AMQP_CONNECTION_CLOSE_METHOD:
          return impl_->fail(detail::closed_by_broker(frame.payload.method), frame.channel);
        case AMQP_BASIC_CANCEL_METHOD:
          return error{"the broker cancelled the stream consumer (stream deleted?)"};
        default:
          continue;
      }
    }
    return impl_->fail(detail::failed_read("reading a stream delivery", reply), k_stream_channel);
  }
}

result<> session::enable_confirms() {
  if (auto ok = impl_->usable(); !ok) return ok;
  if (impl_->confirms) return {};
  amqp_connection_state_t c = impl_->conn.get();
  amqp_channel_open(c, k_confirm_channel);
  if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL) {
    return impl_->rpc_failure(k_confirm_channel, "channel.open");
  }
  amqp_confirm_select(c, k_confirm_channel);
  if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL) {
    return impl_->rpc_failure(k_confirm_channel, "confirm.select");
  }
  impl_->confirms = true;
  return {};
}

result<> session::publish(message m, completion done) {
  if (auto ok = impl_->confirm_mode(); !ok) {
    run(done, publish_status::unavailable);
    return ok;
  }
  const int rc = detail::basic_publish(impl_->conn.get(), k_confirm_channel, m, impl_->scratch);
  return impl_->track(rc, std::move(done), std::move(m.message_id), m.exchange, m.routing_key);
}

result<> session::republish(const taken_message& m, std::string_view exchange,
                            std::string_view routing_key, const republish_edit& edit,
                            completion done) {
  if (auto ok = impl_->confirm_mode(); !ok) {
    run(done, publish_status::unavailable);
    return ok;
  }
  const amqp_basic_properties_t& original = m.impl_->message.properties;
  amqp_basic_properties_t p = original;  // the views point into m, which outlives the publish
  p._flags = (original._flags & k_republish_kept) | AMQP_BASIC_DELIVERY_MODE_FLAG |
             AMQP_BASIC_HEADERS_FLAG;
  p.delivery_mode = AMQP_DELIVERY_PERSISTENT;

  std::vector<amqp_table_entry_t>& headers = impl_->scratch;
  headers.clear();
  if ((original._flags & AMQP_BASIC_HEADERS_FLAG) != 0) {
    for (int i = 0; i < original.headers.num_entries; ++i) {
      const amqp_table_entry_t& e = original.headers.entries[i];
      if (!edit.drop_header || !edit.drop_header(detail::view_of(e.key))) headers.push_back(e);
    }
  }
  for (const auto& [name, value] : edit.add_headers) {
    amqp_table_entry_t e;
    e.key = detail::bytes_of(name);
    e.value.kind = AMQP_FIELD_KIND_UTF8;
    e.value.value.bytes = detail::bytes_of(value);
    headers.push_back(e);
  }
  p.headers.num_entries = static_cast<int>(headers.size());
  p.headers.entries = headers.data();

  const int rc = amqp_basic_publish(impl_->conn.get(), k_confirm_channel,
                                    detail::bytes_of(exchange), detail::bytes_of(routing_key),
                                    /*mandatory=*/1, /*immediate=*/0, &p, m.impl_->message.body);
  return impl_->track(rc, std::move(done), std::string(m.message_id()), exchange, routing_key);
}

std::size_t session::unconfirmed() const noexcept {
  return impl_->tracker.pending();
}

result<> session::read_confirms(std::chrono::nanoseconds wait) {
  if (auto ok = impl_->usable(); !ok) return ok;
  impl_->wait_readable(wait);
  amqp_channel_t channel = k_confirm_channel;
  const detail::step<> read = detail::read_available_frames(
      impl_->conn.get(), k_max_frames_per_read, [&](const amqp_frame_t& frame) {
        channel = frame.channel;
        return impl_->handle_frame(frame);
      });
  impl_->tracker.expire(clock::now());
  const bool timed_out = impl_->deliver();
  if (!read) return impl_->fail(read.error(), channel);
  if (timed_out) {
    return error{"no publisher confirm within " + std::to_string(impl_->timeout.count()) + " ms"};
  }
  return {};
}

result<> session::await_confirms() {
  while (impl_->tracker.pending() > 0) {
    const auto deadline = impl_->tracker.next_deadline().value_or(clock::now());
    if (auto r = read_confirms(deadline - clock::now()); !r) return r;
  }
  return {};
}

void session::close() noexcept {
  if (!impl_ || !impl_->conn) return;
  impl_->tracker.reset(publish_status::connection_lost);
  impl_->deliver();
  detail::close_connection(std::move(impl_->conn), impl_->teardown_channel, impl_->teardown,
                           impl_->timeout);
}

}  // namespace rai::amqp
