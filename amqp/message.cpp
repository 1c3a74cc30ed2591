#include "amqp/message.hpp"

namespace rai::amqp {

namespace {

// The metric label of each status; nullptr past the last one. -Wswitch
// (an error here) makes every enumerator need a case.
constexpr const char* label(publish_status s) noexcept {
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
  return nullptr;
}

// publisher_stats::results has publish_status_count counters, labelled by
// to_string: every index below the count has a label, and none past it (an
// enumerator added without raising the count).
constexpr bool labels_fit_count() {
  for (std::size_t i = 0; i < publish_status_count; ++i) {
    if (label(static_cast<publish_status>(i)) == nullptr) return false;
  }
  return label(static_cast<publish_status>(publish_status_count)) == nullptr;
}
static_assert(labels_fit_count(), "publish_status_count must count the labelled publish_status");

}  // namespace

const char* to_string(publish_status s) noexcept {
  const char* l = label(s);
  return l != nullptr ? l : "unknown";
}

}  // namespace rai::amqp
