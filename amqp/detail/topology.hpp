#pragma once

// Internal: declares the broker topology of docs/wire-format.md §6 on an open channel.
// Shared by the publisher and the outbound consumer.

#include <amqp.h>

#include <chrono>
#include <span>
#include <string>

#include "amqp/result.hpp"
#include "amqp/settings.hpp"

namespace rai::amqp::detail {

// Declares, with exactly the arguments of §6 (anything else makes RabbitMQ
// refuse a later declaration with 406 PRECONDITION_FAILED):
//   exchange returning.unrouted  fanout, durable
//   exchange returning.events    topic, durable, alternate-exchange=returning.unrouted
//            (named by `events_exchange`: amqp.exchange in the config)
//   queue    returning.unrouted  durable, bound to exchange returning.unrouted with ""
//   exchange returning.commands  direct, durable
//   queue    returning.outbound  durable, bound from returning.commands with "outbound"
//   queue    returning.outbound.dead  durable
// With queue_type::quorum every queue gets x-queue-type=quorum.
// With history.enabled, also (the type is stream whatever `queues` says):
//   queue    returning.events.history  durable, x-queue-type=stream,
//            x-max-age=history.max_age, x-max-length-bytes=history.max_bytes,
//            x-stream-max-segment-size-bytes=history_segment_bytes(max_bytes),
//            bound to the events exchange with "#"
// Checks each RPC; an error names the object and the broker's reply. The channel (or connection) is
// then closed by the broker: tear the connection down with
// close_connection(close_state_after(...)).
result<> declare_topology(amqp_connection_state_t c, amqp_channel_t channel, queue_type queues,
                          const std::string& events_exchange, const history_settings& history = {});

// Declares the retry delay queues of docs/wire-format.md §7, one per rung:
//   queue returning.outbound.retry.<rung name>  durable, with
//         x-message-ttl = rung in ms (long), x-dead-letter-exchange =
//         returning.commands, x-dead-letter-routing-key = outbound
//         (+ x-queue-type=quorum with queue_type::quorum)
// so an expired message goes back into returning.outbound. Declare the §6
// topology first (the dead-letter target). Rungs that check_retry_rungs
// refuses fail without touching the broker. Errors as declare_topology.
result<> declare_retry_ladder(amqp_connection_state_t c, amqp_channel_t channel, queue_type queues,
                              std::span<const std::chrono::milliseconds> rungs);

}  // namespace rai::amqp::detail
