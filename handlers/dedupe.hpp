#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace rai::handlers {

// Remembers accepted event ids per source for a time window. Thread-safe
// (sharded locks). An id is claimed before publishing and committed only when
// the publish is confirmed; a failed publish releases it, so a retry of the
// same delivery is published again.
//
// Memory is fixed: the constructor allocates (and touches) room for
// max_entries ids, about 21 bytes each (20 MiB for a million), so the
// resident size does not grow as the window fills. An id is stored as 96 bits
// of a salted SHA-256 of (source, id): a new id is mistaken for one of n
// remembered ids with a probability of n / 2^96 (1e-23 at a million).
// Expiry has whole-second resolution, rounded so an id is never forgotten
// early. Within a shard, ids are kept in claim order; the oldest is evicted
// when the shard is full.
class dedupe_window {
 public:
  using clock = std::chrono::steady_clock;
  enum class claim { fresh, duplicate, in_flight };

  // What the window stores of an id: compute it once per request.
  struct key {
    std::uint64_t hi = 0;
    std::uint32_t lo = 0;
    friend bool operator==(const key&, const key&) = default;
  };

  static constexpr std::size_t max_capacity = std::size_t{1} << 30;

  // Throws std::invalid_argument above max_capacity entries, and
  // std::runtime_error if no random salt can be drawn (startup only).
  dedupe_window(std::chrono::seconds window, std::size_t max_entries);
  ~dedupe_window();
  dedupe_window(const dedupe_window&) = delete;
  dedupe_window& operator=(const dedupe_window&) = delete;

  key key_of(std::string_view source, std::string_view id) const;

  claim begin(const key& k, clock::time_point now);
  // Also remembers an id whose claim was evicted meanwhile: it was published.
  void commit(const key& k, clock::time_point now);
  void release(const key& k);  // only an uncommitted claim

  claim begin(std::string_view source, std::string_view id, clock::time_point now) {
    return begin(key_of(source, id), now);
  }
  void commit(std::string_view source, std::string_view id, clock::time_point now) {
    commit(key_of(source, id), now);
  }
  void release(std::string_view source, std::string_view id) { release(key_of(source, id)); }

  std::size_t size() const;  // ids claimed or committed, not yet expired or evicted

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace rai::handlers
