#include <amqp.h>
#include <amqp_framing.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "amqp/detail/amqp.hpp"
#include "amqp/detail/topology.hpp"
#include "amqp/retry_ladder.hpp"
#include "amqp/topology.hpp"

namespace rai::amqp::detail {

namespace {

amqp_table_t table_of(amqp_table_entry_t* entry) noexcept {
  amqp_table_t t;
  t.num_entries = entry == nullptr ? 0 : 1;
  t.entries = entry;
  return t;
}

amqp_table_entry_t string_entry(const char* key, const char* value) noexcept {
  amqp_table_entry_t e;
  e.key = amqp_cstring_bytes(key);
  e.value.kind = AMQP_FIELD_KIND_UTF8;
  e.value.value.bytes = amqp_cstring_bytes(value);
  return e;
}

result<> declare_exchange(amqp_connection_state_t c, amqp_channel_t channel, const char* name,
                          const char* type, amqp_table_t arguments, std::string_view describe) {
  amqp_exchange_declare(c, channel, amqp_cstring_bytes(name), amqp_cstring_bytes(type),
                        /*passive=*/0, /*durable=*/1, /*auto_delete=*/0, /*internal=*/0, arguments);
  return check_rpc(c,
                   "declare exchange '" + std::string(name) + "' (" + std::string(describe) + ")");
}

result<> declare_queue(amqp_connection_state_t c, amqp_channel_t channel, const char* name,
                       amqp_table_t arguments, std::string_view describe) {
  amqp_queue_declare(c, channel, amqp_cstring_bytes(name), /*passive=*/0, /*durable=*/1,
                     /*exclusive=*/0, /*auto_delete=*/0, arguments);
  return check_rpc(c, "declare queue '" + std::string(name) + "' (" + std::string(describe) + ")");
}

result<> bind_queue(amqp_connection_state_t c, amqp_channel_t channel, const char* queue,
                    const char* exchange, const char* key) {
  amqp_queue_bind(c, channel, amqp_cstring_bytes(queue), amqp_cstring_bytes(exchange),
                  amqp_cstring_bytes(key), amqp_empty_table);
  return check_rpc(c, "bind queue '" + std::string(queue) + "' to exchange '" + exchange +
                          "' with key '" + key + "'");
}

result<> declare_history(amqp_connection_state_t c, amqp_channel_t channel,
                         const history_settings& history, const std::string& events_exchange) {
  const std::uint64_t segment = history_segment_bytes(history.max_bytes);
  amqp_table_entry_t args[4];
  args[0] = string_entry("x-queue-type", "stream");
  args[1] = string_entry("x-max-age", history.max_age.c_str());
  args[2].key = amqp_cstring_bytes("x-max-length-bytes");
  args[2].value.kind = AMQP_FIELD_KIND_I64;
  args[2].value.value.i64 = static_cast<std::int64_t>(history.max_bytes);
  args[3].key = amqp_cstring_bytes("x-stream-max-segment-size-bytes");
  args[3].value.kind = AMQP_FIELD_KIND_I64;
  args[3].value.value.i64 = static_cast<std::int64_t>(segment);
  amqp_table_t table;
  table.num_entries = 4;
  table.entries = args;
  const std::string describe = "durable, x-queue-type=stream, x-max-age=" + history.max_age +
                               ", x-max-length-bytes=" + std::to_string(history.max_bytes) +
                               ", x-stream-max-segment-size-bytes=" + std::to_string(segment);
  result<> r = declare_queue(c, channel, names::history_stream, table, describe);
  if (r) r = bind_queue(c, channel, names::history_stream, events_exchange.c_str(), "#");
  return r;
}

}  // namespace

result<> declare_topology(amqp_connection_state_t c, amqp_channel_t channel, queue_type queues,
                          const std::string& events_exchange, const history_settings& history) {
  const bool quorum = queues == queue_type::quorum;
  amqp_table_entry_t alternate = string_entry("alternate-exchange", names::unrouted);
  amqp_table_entry_t queue_kind = string_entry("x-queue-type", "quorum");
  const amqp_table_t queue_args = table_of(quorum ? &queue_kind : nullptr);
  const std::string_view queue_describe = quorum ? "durable, x-queue-type=quorum" : "durable";

  // The alternate exchange first, so returning.events never points at nothing.
  result<> r =
      declare_exchange(c, channel, names::unrouted, "fanout", amqp_empty_table, "fanout, durable");
  if (r)
    r = declare_exchange(c, channel, events_exchange.c_str(), "topic", table_of(&alternate),
                         "topic, durable, alternate-exchange=returning.unrouted");
  if (r) r = declare_queue(c, channel, names::unrouted, queue_args, queue_describe);
  if (r) r = bind_queue(c, channel, names::unrouted, names::unrouted, "");
  if (r)
    r = declare_exchange(c, channel, names::commands_exchange, "direct", amqp_empty_table,
                         "direct, durable");
  if (r) r = declare_queue(c, channel, names::outbound_queue, queue_args, queue_describe);
  if (r)
    r = bind_queue(c, channel, names::outbound_queue, names::commands_exchange,
                   names::outbound_routing_key);
  if (r) r = declare_queue(c, channel, names::dead_queue, queue_args, queue_describe);
  if (r && history.enabled) r = declare_history(c, channel, history, events_exchange);
  return r;
}

result<> declare_retry_ladder(amqp_connection_state_t c, amqp_channel_t channel, queue_type queues,
                              std::span<const std::chrono::milliseconds> rungs) {
  if (auto problem = check_retry_rungs(rungs)) return error{std::move(*problem)};
  const bool quorum = queues == queue_type::quorum;
  for (const std::chrono::milliseconds rung : rungs) {
    amqp_table_entry_t args[4];
    args[0].key = amqp_cstring_bytes("x-message-ttl");
    args[0].value.kind = AMQP_FIELD_KIND_I64;
    args[0].value.value.i64 = rung.count();
    args[1] = string_entry("x-dead-letter-exchange", names::commands_exchange);
    args[2] = string_entry("x-dead-letter-routing-key", names::outbound_routing_key);
    args[3] = string_entry("x-queue-type", "quorum");
    amqp_table_t table;
    table.num_entries = quorum ? 4 : 3;
    table.entries = args;
    const std::string name = retry_queue_name(rung);
    std::string describe = "durable, x-message-ttl=" + std::to_string(rung.count()) +
                           ", x-dead-letter-exchange=" + names::commands_exchange +
                           ", x-dead-letter-routing-key=" + names::outbound_routing_key;
    if (quorum) describe += ", x-queue-type=quorum";
    if (auto r = declare_queue(c, channel, name.c_str(), table, describe); !r) return r;
  }
  return {};
}

}  // namespace rai::amqp::detail
