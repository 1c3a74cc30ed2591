#pragma once

// One rabbitmq-c (0.11) connection with channel 1 open, for the broker
// benchmark: connect and log in from an amqp:// URL, declare the topology of
// wire-format §6 exactly as queue/topology.cpp does (classic queues), declare
// and bind a benchmark queue, purge, and turn on publisher confirms.
// Startup code: every failure throws std::runtime_error with the broker's reply.

#include <cstdint>
#include <string>
#include <string_view>

struct amqp_connection_state_t_;

namespace rai::bench {

class amqp_session {
 public:
  static constexpr std::uint16_t channel = 1;

  explicit amqp_session(const std::string& url);
  ~amqp_session();
  amqp_session(const amqp_session&) = delete;
  amqp_session& operator=(const amqp_session&) = delete;

  // returning.unrouted (fanout + queue), returning.events (topic,
  // alternate-exchange = returning.unrouted), returning.commands (direct),
  // returning.outbound (bound with "outbound"), returning.outbound.dead.
  void declare_topology();

  // A durable classic queue bound to `exchange` with `binding_key`;
  // max_length > 0 adds x-max-length (older messages are dropped).
  void declare_bound_queue(const std::string& queue, const std::string& exchange,
                           const std::string& binding_key, std::uint64_t max_length);

  // Returns the number of messages purged.
  std::uint64_t purge(const std::string& queue);

  void confirm_select();

  amqp_connection_state_t_* get() const noexcept { return conn_; }
  const std::string& vhost() const noexcept { return vhost_; }

 private:
  void check_rpc(std::string_view what);
  amqp_connection_state_t_* conn_ = nullptr;
  std::string vhost_;
};

// "channel closed by broker: 406 PRECONDITION_FAILED - ..." or the library error.
std::string describe_amqp_status(int status);

}  // namespace rai::bench
