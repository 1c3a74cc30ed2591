#pragma once

// Helpers shared by the spool test files: a scratch directory, sample
// messages, and waiting for append completions.

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "amqp/message.hpp"
#include "spool/spool.hpp"
#include "tests/amqp/broker.hpp"
#include "tests/support/temp_dir.hpp"

namespace rai::spool::test {

using namespace rai::amqp::test;  // amqp_url, unique, wait_until, broker_client
using amqp::message;

using rai::test::temp_dir;

inline message sample_message(std::size_t i, std::string routing_key = "returning.default.test",
                              std::size_t body_bytes = 64) {
  message m;
  m.exchange = "returning.events";
  m.routing_key = std::move(routing_key);
  m.message_id = "evt-" + std::to_string(i);
  m.type = "user-joined";
  m.timestamp = 1700000000 + static_cast<std::int64_t>(i);
  m.headers = {{"x-source", "default"}, {"x-auth", "api-key,gcm"}};
  m.body = R"({"n":)" + std::to_string(i) + R"(,"pad":")" + std::string(body_bytes, 'p') + "\"}";
  return m;
}

// Collects append completions. Lives as long as the spool, or longer.
class append_results {
 public:
  spool::completion make() {
    std::lock_guard lock(mu_);
    ++issued_;
    return [this](spool_status s) {
      std::lock_guard lock(mu_);
      statuses_.push_back(s);
      cv_.notify_all();
    };
  }
  bool wait_all(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return statuses_.size() >= issued_; });
  }
  std::size_t count(spool_status s) const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (spool_status x : statuses_) n += x == s ? 1 : 0;
    return n;
  }
  std::size_t completed() const {
    std::lock_guard lock(mu_);
    return statuses_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::size_t issued_ = 0;
  std::vector<spool_status> statuses_;
};

// Appends one message and waits for its completion.
inline spool_status append_one(spool& s, const message& m) {
  append_results results;
  s.append(m, results.make());
  results.wait_all(std::chrono::seconds(10));
  for (std::size_t i = 0; i < spool_status_count; ++i) {
    if (results.count(static_cast<spool_status>(i)) > 0) return static_cast<spool_status>(i);
  }
  return spool_status::stopped;  // never completed
}

inline std::vector<std::filesystem::path> segment_files(const std::string& dir) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".seg") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace rai::spool::test
