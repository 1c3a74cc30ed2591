#include "handlers/dedupe.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace rai::handlers {
namespace {

constexpr std::size_t max_shards = 16;

struct entry;
using node = std::pair<const std::string, entry>;

// Each shard keeps its entries in an intrusive list ordered by last touch
// (claim or commit), oldest first: the front is the next to expire and the
// one evicted when the shard is full. Map nodes never move, so the links stay
// valid until the node is erased (which unlinks it first).
struct entry {
  bool committed = false;
  dedupe_window::clock::time_point expires;
  node* prev = nullptr;
  node* next = nullptr;
};

struct key_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

struct shard {
  std::mutex mu;
  std::unordered_map<std::string, entry, key_hash, std::equal_to<>> map;
  node* oldest = nullptr;
  node* newest = nullptr;
  std::size_t capacity = 1;

  void unlink(node& n) noexcept {
    entry& e = n.second;
    (e.prev ? e.prev->second.next : oldest) = e.next;
    (e.next ? e.next->second.prev : newest) = e.prev;
    e.prev = e.next = nullptr;
  }
  void push_newest(node& n) noexcept {
    n.second.prev = newest;
    n.second.next = nullptr;
    (newest ? newest->second.next : oldest) = &n;
    newest = &n;
  }
  void erase(node& n) {
    unlink(n);
    map.erase(map.find(std::string_view(n.first)));
  }
  void expire(dedupe_window::clock::time_point now) {
    while (oldest != nullptr && oldest->second.expires <= now) erase(*oldest);
  }
  // Sets (inserting if needed) an entry and makes it the newest, evicting the
  // oldest ones beyond capacity.
  node& put(std::string_view key, bool committed, dedupe_window::clock::time_point expires) {
    auto it = map.find(key);
    if (it == map.end()) {
      it = map.try_emplace(std::string(key)).first;
    } else {
      unlink(*it);
    }
    node& n = *it;
    n.second.committed = committed;
    n.second.expires = expires;
    push_newest(n);
    while (map.size() > capacity && oldest != &n) erase(*oldest);
    return n;
  }
};

// "source\0id": ids may contain anything, but the source name never has a NUL.
std::string_view make_key(std::string_view source, std::string_view id) {
  thread_local std::string buf;
  buf.clear();
  buf.reserve(source.size() + 1 + id.size());
  buf.append(source);
  buf.push_back('\0');
  buf.append(id);
  return buf;
}

}  // namespace

struct dedupe_window::impl {
  std::chrono::seconds window;
  std::size_t shard_count;
  std::array<shard, max_shards> shards;

  shard& shard_for(std::string_view key) noexcept {
    // Mix the high bits in: the map itself uses the low bits for buckets.
    const std::size_t h = key_hash{}(key);
    return shards[((h >> 32) ^ (h >> 7)) % shard_count];
  }
};

dedupe_window::dedupe_window(std::chrono::seconds window, std::size_t max_entries)
    : impl_(std::make_unique<impl>()) {
  impl_->window = window;
  // Never more shards than entries, so the per-shard capacities sum to max_entries.
  const std::size_t total = std::max<std::size_t>(max_entries, 1);
  impl_->shard_count = std::min(max_shards, total);
  for (std::size_t i = 0; i < impl_->shard_count; ++i) {
    impl_->shards[i].capacity =
        total / impl_->shard_count + (i < total % impl_->shard_count ? 1 : 0);
  }
}

dedupe_window::~dedupe_window() = default;

dedupe_window::claim dedupe_window::begin(std::string_view source, std::string_view id,
                                          clock::time_point now) {
  const std::string_view key = make_key(source, id);
  shard& s = impl_->shard_for(key);
  std::lock_guard lock(s.mu);
  s.expire(now);
  if (const auto it = s.map.find(key); it != s.map.end()) {
    if (it->second.expires > now) return it->second.committed ? claim::duplicate : claim::in_flight;
    s.erase(*it);  // touched out of order and already past its window
  }
  s.put(key, false, now + impl_->window);
  return claim::fresh;
}

void dedupe_window::commit(std::string_view source, std::string_view id, clock::time_point now) {
  const std::string_view key = make_key(source, id);
  shard& s = impl_->shard_for(key);
  std::lock_guard lock(s.mu);
  // Also inserts when the claim was evicted meanwhile: the event was published,
  // so a later delivery of it is a duplicate.
  s.put(key, true, now + impl_->window);
  s.expire(now);
}

void dedupe_window::release(std::string_view source, std::string_view id) {
  const std::string_view key = make_key(source, id);
  shard& s = impl_->shard_for(key);
  std::lock_guard lock(s.mu);
  if (const auto it = s.map.find(key); it != s.map.end() && !it->second.committed) s.erase(*it);
}

std::size_t dedupe_window::size() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < impl_->shard_count; ++i) {
    shard& s = impl_->shards[i];
    std::lock_guard lock(s.mu);
    n += s.map.size();
  }
  return n;
}

}  // namespace rai::handlers
