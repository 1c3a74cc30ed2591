#include "gateway/io_context_pool.hpp"

#include <pthread.h>

#include <string>

namespace rai::gateway {

io_context_pool::io_context_pool(unsigned threads) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i)
    workers_.push_back(std::make_unique<worker>());
}

io_context_pool::~io_context_pool() {
  stop();
}

void io_context_pool::start() {
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    workers_[i]->thread =
        std::thread([&ioc = workers_[i]->ioc, name = "rai-http-" + std::to_string(i)] {
          pthread_setname_np(pthread_self(), name.c_str());  // top -H, perf
          ioc.run();
        });
  }
}

void io_context_pool::stop() {
  for (auto& w : workers_) {
    w->work.reset();
    w->ioc.stop();
  }
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

net::any_io_executor io_context_pool::next() {
  const auto i = next_.fetch_add(1, std::memory_order_relaxed) % workers_.size();
  return workers_[i]->ioc.get_executor();
}

}  // namespace rai::gateway
