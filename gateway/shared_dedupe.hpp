#pragma once

#include <chrono>
#include <string_view>

#include "gateway/redis_dedupe_store.hpp"
#include "handlers/dedupe.hpp"
#include "http/net.hpp"

namespace rai::gateway {

// The dedupe window webhook_service asks: this process's own window in front
// (handlers::dedupe_window: same-replica duplicates cost nothing, and it is
// the fallback), and, with dedupe.backend = "redis", the window every replica
// shares behind it (redis_dedupe_store). The same claim / commit / release
// life for both:
//   begin_local    the local window; anything but fresh is the answer.
//   begin_shared   (only after a local fresh, only with a store) Redis: a
//                  duplicate or an in-flight claim at another replica is the
//                  answer; fresh or unavailable (Redis down or failing) lets
//                  the local claim stand.
//   commit         after the confirm or the spool fsync: both windows (the
//                  Redis one pipelined, not awaited before the 200).
//   release        after a failure: both, so the sender's retry is published.
// A duplicate found in Redis is also committed locally, so the sender's next
// retry to this replica is answered without a round trip.
class shared_dedupe {
 public:
  using claim = handlers::dedupe_window::claim;
  using clock = handlers::dedupe_window::clock;

  struct ticket {
    handlers::dedupe_window::key local;
    redis_dedupe_store::claim shared;
  };

  // `store` may be null (dedupe.backend = "memory"); it outlives this.
  shared_dedupe(std::chrono::seconds window, std::size_t max_entries, redis_dedupe_store* store);

  bool has_store() const noexcept { return store_ != nullptr; }

  claim begin_local(ticket& t, std::string_view source, std::string_view id, clock::time_point now);
  net::awaitable<claim> begin_shared(ticket& t, std::string_view source, std::string_view id,
                                     clock::time_point now);
  void commit(const ticket& t, clock::time_point now);
  void release(const ticket& t);

  const handlers::dedupe_window& local() const noexcept { return local_; }

 private:
  handlers::dedupe_window local_;
  redis_dedupe_store* store_;
};

}  // namespace rai::gateway
