#pragma once

#include <memory>

#include "amqp/publisher_interface.hpp"
#include "http/net.hpp"
#include "spool/spool.hpp"

namespace rai::gateway {

// Bridges a queue callback API (a completion called exactly once, on any
// thread) into Asio: `start(done)` begins the operation, and `done(status)`
// is posted back to the waiting coroutine's executor (its connection's worker
// or strand).
// A work guard keeps the io_context alive meanwhile.
template <class Status, class Start, class CompletionToken>
auto async_queue_op(Start start, CompletionToken&& token) {
  return net::async_initiate<CompletionToken, void(Status)>(
      [](auto handler, Start start) {
        using handler_t = decltype(handler);
        auto work = net::make_work_guard(net::get_associated_executor(handler));
        // The queue's completions are std::function (copyable); the
        // coroutine's handler is move-only, so it travels in a shared_ptr.
        auto shared = std::make_shared<handler_t>(std::move(handler));
        start([shared, work](Status status) {
          net::post(work.get_executor(), [shared, status] { std::move (*shared)(status); });
        });
      },
      token, std::move(start));
}

// Publishes with a confirm; completes with the publish_status.
template <class CompletionToken>
auto async_publish(amqp::message_publisher& publisher, amqp::message message,
                   CompletionToken&& token) {
  return async_queue_op<amqp::publish_status>(
      [&publisher, m = std::move(message)](amqp::message_publisher::completion done) mutable {
        publisher.publish(std::move(m), std::move(done));
      },
      std::forward<CompletionToken>(token));
}

// Appends to the spool; completes with the spool_status (durable = synced).
template <class CompletionToken>
auto async_spool(spool::spool& spool, const amqp::message& message, CompletionToken&& token) {
  return async_queue_op<spool::spool_status>(
      [&spool, &message](spool::spool::completion done) { spool.append(message, std::move(done)); },
      std::forward<CompletionToken>(token));
}

}  // namespace rai::gateway
