#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>

#include "amqp/settings.hpp"

namespace rai::amqp {

// Names of wire-format §6. Every party that shares the broker declares these
// with exactly the same arguments.
namespace names {
inline constexpr const char* events_exchange = "returning.events";
inline constexpr const char* unrouted = "returning.unrouted";
inline constexpr const char* commands_exchange = "returning.commands";
inline constexpr const char* outbound_queue = "returning.outbound";
inline constexpr const char* outbound_routing_key = "outbound";
inline constexpr const char* dead_queue = "returning.outbound.dead";
// The gateway's own retry delay queues (§7): retry_queue_prefix + rung name.
inline constexpr const char* retry_queue_prefix = "returning.outbound.retry.";
}  // namespace names

// A rung written in the largest whole unit that divides it: 2 h -> "2h",
// 60 s -> "1m", 90 s -> "90s", 1500 ms -> "1500ms". Rungs are positive.
std::string retry_rung_name(std::chrono::milliseconds rung);

// The delay queue of a rung: "returning.outbound.retry.30s". The name is
// derived from the TTL, so two rungs never share a queue with different
// arguments. Publish into it through the default exchange ("" with this name
// as routing key); after `rung` the broker dead-letters the message to
// returning.commands / outbound, i.e. back into returning.outbound.
std::string retry_queue_name(std::chrono::milliseconds rung);

// The rung a retry waits in: the smallest rung >= `wanted` (wanted = the
// schedule step with jitter, at least Retry-After), or the largest rung when
// `wanted` exceeds them all. nullopt for an empty ladder. Rungs need not be
// sorted.
std::optional<std::chrono::milliseconds> retry_rung_for(
    std::chrono::milliseconds wanted, std::span<const std::chrono::milliseconds> rungs) noexcept;

}  // namespace rai::amqp
