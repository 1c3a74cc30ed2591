#pragma once

// A tracing::span_sink that keeps every span it is given (thread-safe), for
// tests of the span producers (webhook_service, outbound_sender).

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tracing/span.hpp"

namespace rai::test {

class recording_span_sink final : public tracing::span_sink {
 public:
  void submit(tracing::span_record span) noexcept override {
    {
      std::lock_guard lock(mutex_);
      spans_.push_back(std::move(span));
    }
    changed_.notify_all();
  }

  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return spans_.size() >= n; });
  }

  std::vector<tracing::span_record> spans() const {
    std::lock_guard lock(mutex_);
    return spans_;
  }

  static std::optional<std::string> attribute(const tracing::span_record& s, std::string_view key) {
    for (const auto& [k, v] : s.attributes)
      if (k == key) return v;
    return std::nullopt;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<tracing::span_record> spans_;
};

}  // namespace rai::test
