#pragma once

// The retry ladder of docs/wire-format.md §7 as broker topology: one delay queue per
// rung, returning.outbound.retry.<rung name>, each with that rung as its
// queue-level x-message-ttl. The one owner of the default rungs, of rung and
// queue names, and of what makes a ladder declarable. Which rung a retry
// takes is the outbound policy's choice (handlers::next_retry).

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace rai::amqp {

// 1s 2s 5s 10s 30s 1m 2m 5m 10m 30m 1h 2h 4h 8h, ascending.
std::vector<std::chrono::milliseconds> default_retry_rungs();

// A rung written in the largest whole unit that divides it: 2 h -> "2h",
// 60 s -> "1m", 90 s -> "90s", 1500 ms -> "1500ms", 0 -> "0ms".
std::string retry_rung_name(std::chrono::milliseconds rung);

// The delay queue of a rung: "returning.outbound.retry.30s". The name is
// derived from the TTL, so two rungs never share a queue with different
// arguments. Publish into it through the default exchange ("" with this name
// as routing key); after `rung` the broker dead-letters the message to
// returning.commands / outbound, i.e. back into returning.outbound.
std::string retry_queue_name(std::chrono::milliseconds rung);

// The largest rung RabbitMQ takes as x-message-ttl: 2^32-1 ms.
inline constexpr std::chrono::milliseconds max_retry_rung{4'294'967'295};

// nullopt when the rungs can be declared: each 1 ms .. max_retry_rung and
// strictly ascending (so every queue name is distinct); else a sentence
// naming the first bad rung. An empty ladder declares nothing and passes.
std::optional<std::string> check_retry_rungs(std::span<const std::chrono::milliseconds> rungs);

}  // namespace rai::amqp
