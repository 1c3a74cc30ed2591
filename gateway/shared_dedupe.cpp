#include "gateway/shared_dedupe.hpp"

namespace rai::gateway {

shared_dedupe::shared_dedupe(std::chrono::seconds window, std::size_t max_entries,
                             redis_dedupe_store* store)
    : local_(window, max_entries), store_(store) {}

shared_dedupe::claim shared_dedupe::begin_local(ticket& t, std::string_view source,
                                                std::string_view id, clock::time_point now) {
  t.local = local_.key_of(source, id);
  return local_.begin(t.local, now);
}

net::awaitable<shared_dedupe::claim> shared_dedupe::begin_shared(ticket& t, std::string_view source,
                                                                 std::string_view id,
                                                                 clock::time_point now) {
  if (!store_) co_return claim::fresh;
  t.shared = co_await store_->begin(source, id);
  using verdict = redis_dedupe_store::verdict;
  switch (t.shared.outcome) {
    case verdict::duplicate:
      local_.commit(t.local, now);
      co_return claim::duplicate;
    case verdict::in_flight:
      local_.release(t.local);
      co_return claim::in_flight;
    case verdict::fresh:
    case verdict::unavailable:
      break;
  }
  co_return claim::fresh;
}

void shared_dedupe::commit(const ticket& t, clock::time_point now) {
  local_.commit(t.local, now);
  if (store_) store_->commit(t.shared);
}

void shared_dedupe::release(const ticket& t) {
  local_.release(t.local);
  if (store_) store_->release(t.shared);
}

}  // namespace rai::gateway
