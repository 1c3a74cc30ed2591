#pragma once

// Test helpers against the real broker: a plain rabbitmq-c client for the
// tests' own checks, and rabbitmqctl.

#include <amqp.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amqp/detail/amqp.hpp"

namespace rai::amqp::test {

// RAI_AMQP_URL, default amqp://guest:guest@127.0.0.1:5672/
std::string amqp_url();
// The same broker and credentials, another vhost.
std::string amqp_url_for_vhost(std::string_view vhost);
// The same broker under its other loopback name (127.0.0.1 <-> localhost),
// so a node_ring of the two sees two nodes: a failover without a cluster.
// "" when the URL names neither.
std::string same_broker_by_another_name(std::string url);
// A name no other test run uses: prefix + pid + counter + random.
std::string unique(std::string_view prefix);

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

struct received {
  std::string exchange;
  std::string routing_key;
  std::string body;
  bool has_delivery_mode = false;
  std::uint8_t delivery_mode = 0;
  std::string content_type;
  std::string message_id;
  std::string type;
  bool has_timestamp = false;
  std::uint64_t timestamp = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // string values only
  bool headers_all_strings = true;
};

class broker_client {
 public:
  explicit broker_client(std::string url = amqp_url());
  bool ok() const { return conn_ != nullptr; }
  const std::string& error() const { return error_; }
  amqp_connection_state_t get() const { return conn_.get(); }
  // Opens another channel (e.g. after the broker closed the first one).
  amqp_channel_t open_channel();

  // A server-named, exclusive, auto-delete queue bound to `exchange` with `key`.
  std::string declare_sink(const std::string& exchange, const std::string& key);
  bool declare_exchange(const std::string& name, const char* type);
  bool delete_exchange(const std::string& name);
  // Passive declares; false (and the channel is closed) if it does not exist.
  bool exchange_exists(const std::string& name);
  std::optional<std::uint32_t> message_count(const std::string& queue);
  // queue.purge; false if the queue does not exist (the channel is reopened).
  bool purge(const std::string& queue);
  // A raw basic.publish (no confirm) with the caller's properties, e.g.
  // headers that are not strings.
  bool publish(const std::string& exchange, const std::string& routing_key,
               const amqp_basic_properties_t& properties, std::string_view body);
  // basic.get with auto-ack.
  std::optional<received> get_message(const std::string& queue);
  // basic.get (manual ack) through the whole queue on a fresh channel; acks
  // only the message with this id and leaves the others to be requeued.
  std::optional<received> take_by_id(const std::string& queue, std::string_view message_id);

 private:
  // detail::check_rpc, keeping the error in error_.
  bool check(std::string_view what);
  std::optional<received> read_content(amqp_channel_t channel, std::string exchange,
                                       std::string routing_key);

  std::string error_;
  detail::connection_ptr conn_;
  amqp_channel_t channel_ = 1;
  amqp_channel_t next_channel_ = 2;
};

// Runs /usr/sbin/rabbitmqctl (or $RABBITMQCTL) with `args`; returns the exit
// status and the combined output.
int rabbitmqctl(const std::string& args, std::string& output);
// Starts rabbitmqctl with `args` in the background and does not wait.
void rabbitmqctl_detached(const std::string& args);
// Forces the connection whose client property connection_name is `name`
// closed (rabbitmqctl close_connection).
bool close_connection_named(const std::string& name, std::string& error);

}  // namespace rai::amqp::test
