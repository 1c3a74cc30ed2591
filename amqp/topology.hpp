#pragma once

#include "amqp/retry_ladder.hpp"

namespace rai::amqp {

// Names of docs/wire-format.md §6. Every party that shares the broker declares these
// with exactly the same arguments.
namespace names {
inline constexpr const char* events_exchange = "returning.events";
inline constexpr const char* unrouted = "returning.unrouted";
inline constexpr const char* commands_exchange = "returning.commands";
inline constexpr const char* outbound_queue = "returning.outbound";
inline constexpr const char* outbound_routing_key = "outbound";
inline constexpr const char* dead_queue = "returning.outbound.dead";
// The gateway's own retry delay queues (§7): retry_queue_prefix + rung name
// (retry_queue_name in amqp/retry_ladder.hpp).
inline constexpr const char* retry_queue_prefix = "returning.outbound.retry.";
// The event history (history.enabled): a stream bound to returning.events with "#".
inline constexpr const char* history_stream = "returning.events.history";
}  // namespace names

}  // namespace rai::amqp
