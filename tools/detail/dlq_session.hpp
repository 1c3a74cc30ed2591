#pragma once

// Internal: one blocking rabbitmq-c connection for the dlq commands (one
// thread; rabbitmq-c is not thread-safe per connection). Channel 1 takes
// messages (basic.get) and acks them; channel 2, opened by enable_confirms(),
// publishes in confirm mode. Two channels, because rabbitmq-c queues frames
// that arrive during an RPC, and a basic.ack confirm queued on the channel of
// a basic.get would be read by amqp_read_message as the message's header.
// Messages taken with get() stay unacked until ack(); whatever is unacked
// when the session closes, or when the process dies, the broker puts back
// into its queue. That is what makes `dlq list` non-destructive and an
// interrupted `dlq replay` lossless.

#include <amqp.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "amqp/detail/amqp.hpp"
#include "tools/confirm_window.hpp"
#include "tools/detail/dead_message.hpp"
#include "tools/outcome.hpp"

namespace rai::tool::detail {

class dlq_session {
 public:
  // Connects (AMQP URL, no heartbeats: every wait below is bounded by
  // `timeout` instead) and opens channel 1.
  static outcome<dlq_session> open(const std::string& url, std::chrono::milliseconds timeout,
                                   const std::string& connection_name);

  dlq_session(dlq_session&&) noexcept = default;
  dlq_session& operator=(dlq_session&&) noexcept = default;
  ~dlq_session();

  // queue.declare passive: the queue's ready messages; an error when the
  // queue does not exist (nothing is created).
  outcome<std::uint32_t> ready_count(std::string_view queue);
  // basic.get, manual ack. nullopt when the queue is empty.
  outcome<std::optional<dead_message>> get(std::string_view queue);
  outcome<void> ack(std::uint64_t delivery_tag);

  // Opens channel 2 in confirm mode; its publishes are numbered from 1.
  outcome<void> enable_confirms();
  // basic.publish, mandatory, persistent; returns its sequence number.
  outcome<std::uint64_t> publish(std::string_view exchange, std::string_view routing_key,
                                 const amqp_basic_properties_t& properties, amqp_bytes_t body);
  // Reads frames into `window` (acks, nacks, returns) until it is settled
  // or `timeout` has passed (then an error). A channel or connection close
  // is an error naming the broker's reply.
  outcome<void> await_confirms(confirm_window& window, std::chrono::milliseconds timeout);

  // Closes channel and connection (the broker requeues what is unacked).
  void close() noexcept;

 private:
  dlq_session(amqp::detail::connection_ptr c, std::chrono::milliseconds timeout)
      : conn_(std::move(c)), timeout_(timeout) {}
  failure rpc_failure(amqp_channel_t channel, std::string_view what);
  outcome<bool> handle_frame(const amqp_frame_t& frame, confirm_window& window);

  amqp::detail::connection_ptr conn_;
  std::chrono::milliseconds timeout_;
  amqp::detail::close_state state_ = amqp::detail::close_state::open;
  amqp_channel_t state_channel_ = 1;  // the channel state_ is about
  std::uint64_t next_seq_ = 1;
};

}  // namespace rai::tool::detail
