#pragma once

// Internal: rabbitmq-c (0.11) helpers shared by the publisher, the consumer
// and the blocking session. Not part of the public API; only amqp/*.cpp and
// tests/amqp include it.

#include <amqp.h>
#include <amqp_framing.h>
#include <sys/time.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amqp/result.hpp"
#include "amqp/settings.hpp"

namespace rai::amqp::detail {

inline amqp_bytes_t bytes_of(std::string_view s) noexcept {
  amqp_bytes_t b;
  b.len = s.size();
  b.bytes = const_cast<char*>(s.data());  // rabbitmq-c never writes through it
  return b;
}

inline std::string_view view_of(amqp_bytes_t b) noexcept {
  return b.len == 0 ? std::string_view{}
                    : std::string_view{static_cast<const char*>(b.bytes), b.len};
}

struct connection_deleter {
  void operator()(amqp_connection_state_t c) const noexcept;  // amqp_destroy_connection
};
using connection_ptr = std::unique_ptr<amqp_connection_state_t_, connection_deleter>;

// "connection closed by broker: 320 CONNECTION_FORCED - ...", "channel closed
// by broker: 406 PRECONDITION_FAILED - ...", or the library error string.
std::string describe_reply(const amqp_rpc_reply_t& reply);

// After an RPC: success if amqp_get_rpc_reply() is normal, else the error
// "<what>: <describe_reply>".
result<> check_rpc(amqp_connection_state_t c, std::string_view what);

// A rabbitmq-c timeout: at least 1 ms, since a zero timeval means "do not
// wait at all" to rabbitmq-c.
timeval to_timeval(std::chrono::milliseconds d) noexcept;

// The URL without its password, for logs: "amqp://user@host:port/vhost".
std::string redact_url(std::string_view url);

struct connect_params {
  std::string url;  // the one node to try
  tls_settings tls;
  std::chrono::seconds heartbeat{30};
  std::chrono::milliseconds timeout{5000};  // socket connect, handshake and each RPC
  std::string connection_name;
};

// Parses the URL, opens the TCP socket (amqps://: the TLS socket of
// amqp/detail/tls.hpp, verified against params.tls), logs in (heartbeat, client properties
// with connection_name and the connection.blocked and consumer_cancel_notify
// capabilities) and opens `channel`. On failure the half-open connection is
// closed and the error names the step and the broker's reply.
result<connection_ptr> open_connection(const connect_params& params, amqp_channel_t channel);

// How a connection ended, so teardown answers the broker correctly.
enum class close_state {
  open,                         // ours to close: channel.close then connection.close
  channel_closed_by_broker,     // reply channel.close-ok, then connection.close
  connection_closed_by_broker,  // reply connection.close-ok
  broken,                       // socket error / heartbeat timeout: just drop it
};

// What the last RPC reply on `c` means for teardown.
close_state close_state_after(const amqp_rpc_reply_t& reply) noexcept;

// Inside a connection's loop, a step that can lose the connection fails with
// why, and with how to tear the connection down.
struct failure {
  close_state teardown = close_state::broken;
  std::string why;
};
template <class T = void>
using step = boost::system::result<T, failure>;

// The failure a channel.close or connection.close method from the broker
// means ("channel closed by broker: 406 ...").
failure closed_by_broker(const amqp_method_t& method);
// The failure after a failed RPC or amqp_read_message: "<what>: <reply>";
// a reply that leaves the connection open still counts as broken, since the
// frames that follow can no longer be trusted.
failure failed_read(std::string_view what, const amqp_rpc_reply_t& reply);
// A socket error (an amqp_status_enum) from a send or frame read.
failure socket_failure(std::string_view what, int status);

// Closes and destroys the connection, each close RPC bounded by `timeout`.
void close_connection(connection_ptr c, amqp_channel_t channel, close_state state,
                      std::chrono::milliseconds timeout) noexcept;

}  // namespace rai::amqp::detail
