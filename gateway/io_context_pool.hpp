#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "http/net.hpp"

namespace rai::gateway {

// One io_context per thread, each run by exactly that thread (the worker
// model of Envoy and of Beast's multi-threaded examples without strands).
// A connection lives on one worker for its whole life, so its handlers never
// run concurrently, no strand is needed, and the workers share no scheduler
// lock: on a small machine that lock and its wake-ups cost more than the
// request itself.
class io_context_pool {
 public:
  explicit io_context_pool(unsigned threads);
  ~io_context_pool();
  io_context_pool(const io_context_pool&) = delete;
  io_context_pool& operator=(const io_context_pool&) = delete;

  void start();
  // Lets every worker finish what it runs now, then joins the threads.
  void stop();

  // Round robin over the workers, for each new connection.
  net::any_io_executor next();
  std::size_t size() const noexcept { return workers_.size(); }

 private:
  struct worker {
    net::io_context ioc{1};  // concurrency hint 1: only its own thread runs it
    net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
    std::thread thread;
  };
  std::vector<std::unique_ptr<worker>> workers_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace rai::gateway
