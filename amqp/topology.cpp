#include "amqp/topology.hpp"

#include <amqp.h>
#include <amqp_framing.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "amqp/detail/amqp.hpp"
#include "amqp/detail/topology.hpp"

namespace rai::amqp {

std::string retry_rung_name(std::chrono::milliseconds rung) {
  const std::int64_t ms = rung.count();
  struct unit {
    std::int64_t ms;
    const char* suffix;
  };
  for (const unit u : {unit{3'600'000, "h"}, unit{60'000, "m"}, unit{1000, "s"}}) {
    if (ms != 0 && ms % u.ms == 0) return std::to_string(ms / u.ms) + u.suffix;
  }
  return std::to_string(ms) + "ms";
}

std::string retry_queue_name(std::chrono::milliseconds rung) {
  return names::retry_queue_prefix + retry_rung_name(rung);
}

std::optional<std::chrono::milliseconds> retry_rung_for(
    std::chrono::milliseconds wanted, std::span<const std::chrono::milliseconds> rungs) noexcept {
  std::optional<std::chrono::milliseconds> fit;  // smallest rung >= wanted
  std::optional<std::chrono::milliseconds> largest;
  for (const std::chrono::milliseconds r : rungs) {
    if (r >= wanted && (!fit || r < *fit)) fit = r;
    if (!largest || r > *largest) largest = r;
  }
  return fit ? fit : largest;
}

}  // namespace rai::amqp

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

bool declare_exchange(amqp_connection_state_t c, amqp_channel_t channel, const char* name,
                      const char* type, amqp_table_t arguments, std::string_view describe,
                      std::string& error) {
  amqp_exchange_declare(c, channel, amqp_cstring_bytes(name), amqp_cstring_bytes(type),
                        /*passive=*/0, /*durable=*/1, /*auto_delete=*/0, /*internal=*/0, arguments);
  return check_rpc(
      c, "declare exchange '" + std::string(name) + "' (" + std::string(describe) + ")", error);
}

bool declare_queue(amqp_connection_state_t c, amqp_channel_t channel, const char* name,
                   amqp_table_t arguments, std::string_view describe, std::string& error) {
  amqp_queue_declare(c, channel, amqp_cstring_bytes(name), /*passive=*/0, /*durable=*/1,
                     /*exclusive=*/0, /*auto_delete=*/0, arguments);
  return check_rpc(c, "declare queue '" + std::string(name) + "' (" + std::string(describe) + ")",
                   error);
}

bool bind_queue(amqp_connection_state_t c, amqp_channel_t channel, const char* queue,
                const char* exchange, const char* key, std::string& error) {
  amqp_queue_bind(c, channel, amqp_cstring_bytes(queue), amqp_cstring_bytes(exchange),
                  amqp_cstring_bytes(key), amqp_empty_table);
  return check_rpc(c,
                   "bind queue '" + std::string(queue) + "' to exchange '" + exchange +
                       "' with key '" + key + "'",
                   error);
}

}  // namespace

bool declare_topology(amqp_connection_state_t c, amqp_channel_t channel, queue_type queues,
                      const std::string& events_exchange, std::string& error) {
  const bool quorum = queues == queue_type::quorum;
  amqp_table_entry_t alternate = string_entry("alternate-exchange", names::unrouted);
  amqp_table_entry_t queue_kind = string_entry("x-queue-type", "quorum");
  const amqp_table_t queue_args = table_of(quorum ? &queue_kind : nullptr);
  const std::string_view queue_describe = quorum ? "durable, x-queue-type=quorum" : "durable";

  // The alternate exchange first, so returning.events never points at nothing.
  return declare_exchange(c, channel, names::unrouted, "fanout", amqp_empty_table,
                          "fanout, durable", error) &&
         declare_exchange(c, channel, events_exchange.c_str(), "topic", table_of(&alternate),
                          "topic, durable, alternate-exchange=returning.unrouted", error) &&
         declare_queue(c, channel, names::unrouted, queue_args, queue_describe, error) &&
         bind_queue(c, channel, names::unrouted, names::unrouted, "", error) &&
         declare_exchange(c, channel, names::commands_exchange, "direct", amqp_empty_table,
                          "direct, durable", error) &&
         declare_queue(c, channel, names::outbound_queue, queue_args, queue_describe, error) &&
         bind_queue(c, channel, names::outbound_queue, names::commands_exchange,
                    names::outbound_routing_key, error) &&
         declare_queue(c, channel, names::dead_queue, queue_args, queue_describe, error);
}

bool declare_retry_ladder(amqp_connection_state_t c, amqp_channel_t channel, queue_type queues,
                          std::span<const std::chrono::milliseconds> rungs, std::string& error) {
  constexpr std::int64_t max_ttl = std::numeric_limits<std::uint32_t>::max();
  for (const std::chrono::milliseconds rung : rungs) {
    if (rung.count() < 1 || rung.count() > max_ttl) {
      error = "retry rung of " + std::to_string(rung.count()) + " ms: must be 1 ms .. " +
              std::to_string(max_ttl) + " ms";
      return false;
    }
  }
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
    if (!declare_queue(c, channel, name.c_str(), table, describe, error)) return false;
  }
  return true;
}

}  // namespace rai::amqp::detail
