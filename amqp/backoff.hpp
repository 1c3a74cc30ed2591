#pragma once

#include <chrono>
#include <random>

namespace rai::amqp {

// Reconnect delays: each next() is a random pick between half and all of the
// current step (so clients that lost the broker together do not come back in
// lockstep), and the step doubles from `min` up to `max`; reset() after a
// successful connect.
class reconnect_backoff {
 public:
  reconnect_backoff(std::chrono::milliseconds min, std::chrono::milliseconds max);
  std::chrono::milliseconds next();
  void reset() noexcept { step_ = min_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds step_;
  std::minstd_rand rng_;
};

}  // namespace rai::amqp
