#pragma once

#include <memory>

#include "gateway/net.hpp"
#include "queue/publisher.hpp"

namespace rai::gateway {

// Bridges the queue's callback API into Asio: the publisher thread settles the
// job, and the completion is posted back to the waiting coroutine's executor
// (its connection strand). A work guard keeps the io_context alive meanwhile.
template <class CompletionToken>
auto async_publish(queue::publisher& publisher, queue::message message, CompletionToken&& token) {
  return net::async_initiate<CompletionToken, void(queue::publish_status)>(
      [&publisher](auto handler, queue::message m) {
        using handler_t = decltype(handler);
        auto work = net::make_work_guard(net::get_associated_executor(handler));
        // queue::publisher::completion is a std::function (copyable); the
        // coroutine's handler is move-only, so it travels in a shared_ptr.
        auto shared = std::make_shared<handler_t>(std::move(handler));
        publisher.publish(std::move(m), [shared, work](queue::publish_status status) {
          net::post(work.get_executor(), [shared, status] { std::move (*shared)(status); });
        });
      },
      token, std::move(message));
}

}  // namespace rai::gateway
