#pragma once

#include <functional>
#include <memory>

#include "queue/message.hpp"
#include "queue/settings.hpp"

namespace rai::queue {

// Owns one AMQP connection on its own thread (rabbitmq-c is blocking and not
// thread-safe per connection). publish() is thread-safe and never blocks on
// the network: it queues the job and wakes the thread, which publishes
// everything queued in one batch without waiting for confirms in between,
// then reads basic.ack / basic.nack (with `multiple`) and basic.return frames
// and settles each job by calling its completion exactly once, from the
// publisher thread. On connect it declares the topology (wire-format §6) and
// enables confirms; when the broker goes away it fails every pending job and
// reconnects with exponential backoff.
class publisher {
 public:
  using completion = std::function<void(publish_status)>;

  explicit publisher(amqp_settings settings);
  ~publisher();  // stops the thread; unsettled jobs complete with connection_lost
  publisher(const publisher&) = delete;
  publisher& operator=(const publisher&) = delete;

  void start();
  void stop();

  void publish(message&& m, completion done);

  bool connected() const noexcept;  // connected, topology declared, confirms on

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rai::queue
