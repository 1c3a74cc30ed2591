#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

namespace rai::handlers {

// Remembers accepted event ids per source for a time window. Thread-safe
// (sharded locks). An id is claimed before publishing and committed only when
// the publish is confirmed; a failed publish releases it, so a retry of the
// same delivery is published again.
class dedupe_window {
 public:
  using clock = std::chrono::steady_clock;
  enum class claim { fresh, duplicate, in_flight };

  dedupe_window(std::chrono::seconds window, std::size_t max_entries);
  ~dedupe_window();
  dedupe_window(const dedupe_window&) = delete;
  dedupe_window& operator=(const dedupe_window&) = delete;

  claim begin(std::string_view source, std::string_view id, clock::time_point now);
  void commit(std::string_view source, std::string_view id, clock::time_point now);
  void release(std::string_view source, std::string_view id);

  std::size_t size() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rai::handlers
