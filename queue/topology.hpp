#pragma once

#include <string>

#include "queue/settings.hpp"

namespace rai::queue {

// Names of wire-format §6. Every party that shares the broker declares these
// with exactly the same arguments.
namespace names {
inline constexpr const char* events_exchange = "returning.events";
inline constexpr const char* unrouted = "returning.unrouted";
inline constexpr const char* commands_exchange = "returning.commands";
inline constexpr const char* outbound_queue = "returning.outbound";
inline constexpr const char* outbound_routing_key = "outbound";
inline constexpr const char* dead_queue = "returning.outbound.dead";
}  // namespace names

}  // namespace rai::queue
