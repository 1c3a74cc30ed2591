#include "amqp/message.hpp"

namespace rai::amqp {

static_assert(static_cast<std::size_t>(publish_status::timed_out) + 1 == publish_status_count);

const char* to_string(publish_status s) noexcept {
  switch (s) {
    case publish_status::confirmed:
      return "confirmed";
    case publish_status::nacked:
      return "nacked";
    case publish_status::returned:
      return "returned";
    case publish_status::unavailable:
      return "unavailable";
    case publish_status::connection_lost:
      return "connection_lost";
    case publish_status::overloaded:
      return "overloaded";
    case publish_status::timed_out:
      return "timed_out";
  }
  return "unknown";
}

}  // namespace rai::amqp
