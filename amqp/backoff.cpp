#include "amqp/backoff.hpp"

#include <algorithm>

namespace rai::amqp {
namespace {

constexpr std::chrono::milliseconds k_backoff_floor{10};

}  // namespace

reconnect_backoff::reconnect_backoff(std::chrono::milliseconds min, std::chrono::milliseconds max)
    : min_(std::max(min, k_backoff_floor)),
      max_(std::max(max, min_)),
      step_(min_),
      rng_(std::random_device{}()) {}

std::chrono::milliseconds reconnect_backoff::next() {
  const auto b = std::max<std::chrono::milliseconds::rep>(step_.count(), 2);
  std::uniform_int_distribution<std::chrono::milliseconds::rep> pick(b / 2, b);
  const std::chrono::milliseconds delay{pick(rng_)};
  step_ = std::min(step_ * 2, max_);
  return delay;
}

}  // namespace rai::amqp
