#pragma once

// rai::amqp::session: one blocking AMQP connection for one thread, for
// programs that do a job and exit (the operator tool's dlq and history
// commands, the broker benchmark) rather than serve forever like publisher and consumer.
// It is built from the same parts as they are: open_connection (URL, login,
// connection_name), the docs/wire-format.md §6 topology, and the one confirm_tracker
// (delivery tags from 1, `multiple` acks, nacks, returns, deadlines).
//
// Channels. Channel 1 carries RPCs (declares, purge) and basic.get with
// manual acks; channel 2, opened by enable_confirms(), publishes in confirm
// mode. Two channels, because rabbitmq-c queues the frames that arrive
// during an RPC, and a confirm queued on the channel of a basic.get would be
// read by amqp_read_message as the message's header.
//
// Channel 3, opened by consume_stream(), reads a stream (basic.qos +
// basic.consume with x-stream-offset); next_delivery() reads it. A session
// that consumes does not publish: frames of a consumer and of confirms on one
// connection would interleave, so replaying uses one session for each.
//
// Taken messages stay unacked until ack(); whatever is unacked when the
// session closes, or when the process dies, the broker puts back into its
// queue. No heartbeats: every wait is bounded by settings.timeout instead.
// Not thread-safe; completions run on the calling thread, inside
// read_confirms() and await_confirms().

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amqp/confirm_tracker.hpp"
#include "amqp/message.hpp"
#include "amqp/result.hpp"
#include "amqp/settings.hpp"

namespace rai::amqp {

struct session_settings {
  std::vector<std::string> urls{"amqp://guest:guest@127.0.0.1:5672/"};
  // Connect, each RPC, and how long a publish may wait for its confirm.
  std::chrono::milliseconds timeout{10'000};
  std::string connection_name;
  tls_settings tls;
};

// A message taken with basic.get or delivered to a stream consumer
// (next_delivery) and not yet acked. It owns rabbitmq-c's copy of the
// properties and body.
class taken_message {
 public:
  taken_message(taken_message&&) noexcept;
  taken_message& operator=(taken_message&&) noexcept;
  ~taken_message();

  std::uint64_t delivery_tag() const noexcept;
  bool redelivered() const noexcept;
  std::string_view message_id() const noexcept;  // "" when absent
  std::string_view type() const noexcept;        // "" when absent
  std::string_view body() const noexcept;
  // The timestamp property (unix seconds); nullopt when absent.
  std::optional<std::int64_t> timestamp() const noexcept;
  // The routing key it was published with.
  const std::string& routing_key() const noexcept;
  // The header's value as text (strings as they are, numbers in decimal,
  // booleans as true / false); nullopt when absent or a table, array,
  // decimal or void.
  std::optional<std::string> header(std::string_view name) const;

 private:
  friend class session;
  struct impl;
  explicit taken_message(std::unique_ptr<impl> i) noexcept;
  std::unique_ptr<impl> impl_;
};

// How republish() copies a taken message: the body and the properties
// message_id, type, content_type, content_encoding, correlation_id, app_id
// and timestamp are kept; expiration (it could expire the copy) and user_id
// (the broker refuses one that is not the connection's user) are dropped;
// every header is kept with its type unless `drop_header` says otherwise,
// then `add_headers` are appended as strings. Persistent and mandatory.
struct republish_edit {
  std::function<bool(std::string_view name)> drop_header;  // empty: keep all
  std::vector<std::pair<std::string, std::string>> add_headers;
};

class session {
 public:
  using completion = confirm_tracker::completion;

  // Connects to one of settings.urls (each node once, from a random one; the
  // error names every node's refusal when none accepts) and opens channel 1.
  static result<session> open(const session_settings& settings);

  session(session&&) noexcept;
  session& operator=(session&&) noexcept;
  ~session();  // close()

  // The URL of the node connected to, without its password, for messages.
  const std::string& where() const noexcept;

  // --- channel 1 --------------------------------------------------------------
  // The topology of docs/wire-format.md §6, exactly as the gateway declares it
  // (with the history stream when history.enabled).
  result<> declare_topology(queue_type queues, const std::string& events_exchange,
                            const history_settings& history = {});
  // A durable classic queue bound to `exchange` with `binding_key`;
  // max_length > 0 adds x-max-length (the oldest messages are dropped).
  result<> declare_bound_queue(const std::string& queue, const std::string& exchange,
                               const std::string& binding_key, std::uint64_t max_length);
  // queue.purge: the number of messages purged.
  result<std::uint32_t> purge(const std::string& queue);
  // queue.declare passive: the queue's ready messages; an error when the
  // queue does not exist (nothing is created).
  result<std::uint32_t> ready_count(std::string_view queue);
  // basic.get with manual ack; nullopt when the queue is empty.
  result<std::optional<taken_message>> get(std::string_view queue);
  // basic.ack on the channel `m` came from; `multiple` acks every earlier
  // delivery of that channel too.
  result<> ack(const taken_message& m, bool multiple = false);
  // A durable classic queue (no arguments) unless one of that name exists.
  result<> declare_queue(const std::string& queue);

  // --- channel 3: reading a stream --------------------------------------------------
  // Where a stream consumer starts (x-stream-offset): "first", "next", "last",
  // an AMQP timestamp (unix seconds: the chunk holding that moment; chunks
  // hold many messages, so a reader filters each message by its own time), or
  // a numeric offset.
  struct stream_start {
    enum class kind { first, next, last, timestamp, offset } from = kind::first;
    std::int64_t value = 0;  // seconds for timestamp, the offset for offset
  };
  // basic.qos(prefetch) + basic.consume of `stream` from `start`, manual acks
  // (streams require both: an ack returns credit, it deletes nothing).
  result<> consume_stream(std::string_view stream, stream_start start, std::uint16_t prefetch);
  // The next delivery to the stream consumer (its header x-stream-offset holds
  // its offset), or nullopt when none came within `wait`. An error when the
  // channel or connection closed or the socket failed.
  result<std::optional<taken_message>> next_delivery(std::chrono::milliseconds wait);

  // --- channel 2: publishing with confirms ----------------------------------------
  // Opens channel 2 in confirm mode.
  result<> enable_confirms();
  // basic.publish of `m` (message.hpp). `done` runs exactly once, inside a
  // later read_confirms() / await_confirms() (or close(), as
  // connection_lost): confirmed, nacked, returned, or timed_out when no
  // confirm came within settings.timeout. An error here means the connection
  // is broken; `done` has then run with connection_lost.
  result<> publish(message m, completion done);
  // basic.publish of a copy of `m` (see republish_edit) to `exchange` /
  // `routing_key`; `done` as for publish().
  result<> republish(const taken_message& m, std::string_view exchange,
                     std::string_view routing_key, const republish_edit& edit, completion done);
  // Publishes not yet settled.
  std::size_t unconfirmed() const noexcept;

  // Waits up to `wait` (to the nanosecond) for a frame, reads what has
  // arrived without blocking further, and runs the completions settled by
  // it. An error when the channel or connection closes, the socket fails, or
  // a publish timed out ("no publisher confirm within N ms").
  result<> read_confirms(std::chrono::nanoseconds wait);
  // read_confirms() until nothing is unconfirmed.
  result<> await_confirms();

  // Settles what is unconfirmed as connection_lost, closes the channels and
  // the connection (the broker requeues what is unacked). Idempotent.
  void close() noexcept;

 private:
  struct impl;
  explicit session(std::unique_ptr<impl> i) noexcept;
  std::unique_ptr<impl> impl_;
};

}  // namespace rai::amqp
