#include "amqp/retry_ladder.hpp"

#include <cstdint>

#include "amqp/topology.hpp"

namespace rai::amqp {

std::vector<std::chrono::milliseconds> default_retry_rungs() {
  using std::chrono::hours, std::chrono::minutes, std::chrono::seconds;
  return {seconds{1}, seconds{2},  seconds{5},  seconds{10}, seconds{30}, minutes{1}, minutes{2},
          minutes{5}, minutes{10}, minutes{30}, hours{1},    hours{2},    hours{4},   hours{8}};
}

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

std::optional<std::string> check_retry_rungs(std::span<const std::chrono::milliseconds> rungs) {
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    const std::chrono::milliseconds r = rungs[i];
    if (r.count() < 1) {
      return "retry rung " + std::to_string(i + 1) + " (" + std::to_string(r.count()) +
             " ms) must be positive";
    }
    if (r > max_retry_rung) {
      return "retry rung " + retry_rung_name(r) +
             " exceeds RabbitMQ's x-message-ttl limit (4294967295 ms)";
    }
    if (i > 0 && r <= rungs[i - 1]) {
      return "retry rungs must be strictly ascending (rung " + retry_rung_name(r) + " follows " +
             retry_rung_name(rungs[i - 1]) + ")";
    }
  }
  return std::nullopt;
}

}  // namespace rai::amqp
