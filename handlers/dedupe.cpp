#include "handlers/dedupe.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/aes.hpp"
#include "crypto/hash.hpp"

namespace rai::handlers {
namespace {

constexpr std::size_t max_shards = 16;
using key = dedupe_window::key;
using rep = dedupe_window::clock::rep;

enum class state : std::uint32_t { dead, in_flight, committed };

struct slot {  // 24 bytes
  key k;
  state st = state::dead;
  rep expires = 0;
};

// One shard: a ring of slots in claim order (oldest at `head`) and an
// open-addressing index (linear probing) from key to ring position. Only
// live slots are indexed; a released or replaced slot turns dead in place and
// is reclaimed when it reaches the head. Both arrays are allocated once.
class shard {
 public:
  std::mutex mu;

  void allocate(std::size_t capacity) {
    ring_.assign(capacity, slot{});
    // At most `capacity` live keys: the index stays below 3/4 full.
    index_.assign(std::bit_ceil(capacity + capacity / 3 + 1), 0);
    mask_ = index_.size() - 1;
  }

  std::size_t live() const noexcept { return live_; }

  slot* find(const key& k) noexcept {
    const std::size_t b = bucket_of(k);
    return b == npos ? nullptr : &ring_[index_[b] - 1];
  }

  // Drops expired slots from the head. Slots behind a younger-expiring head
  // wait their turn; lookups check `expires` themselves.
  void expire(rep now) noexcept {
    while (count_ > 0 && (ring_[head_].st == state::dead || ring_[head_].expires <= now)) {
      pop_head();
    }
  }

  void kill(slot& s) noexcept {
    erase_bucket(bucket_of(s.k));
    s.st = state::dead;
    --live_;
  }

  // Appends a key the index does not hold, evicting the oldest slot when full.
  void append(const key& k, state st, rep expires) noexcept {
    if (count_ == ring_.size()) pop_head();
    const std::size_t pos = (head_ + count_) % ring_.size();
    ring_[pos] = slot{k, st, expires};
    ++count_;
    ++live_;
    std::size_t b = home(k);
    while (index_[b] != 0) b = (b + 1) & mask_;
    index_[b] = static_cast<std::uint32_t>(pos + 1);
  }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  std::size_t home(const key& k) const noexcept { return static_cast<std::size_t>(k.hi) & mask_; }

  std::size_t bucket_of(const key& k) const noexcept {
    for (std::size_t b = home(k); index_[b] != 0; b = (b + 1) & mask_) {
      if (ring_[index_[b] - 1].k == k) return b;
    }
    return npos;
  }

  // Backward-shift deletion: later members of the probe run move up so every
  // key stays reachable from its home bucket without tombstones.
  void erase_bucket(std::size_t hole) noexcept {
    for (std::size_t b = (hole + 1) & mask_; index_[b] != 0; b = (b + 1) & mask_) {
      const std::size_t h = home(ring_[index_[b] - 1].k);
      const bool stays = hole <= b ? (hole < h && h <= b) : (hole < h || h <= b);
      if (stays) continue;
      index_[hole] = index_[b];
      hole = b;
    }
    index_[hole] = 0;
  }

  void pop_head() noexcept {
    if (ring_[head_].st != state::dead) kill(ring_[head_]);
    head_ = (head_ + 1) % ring_.size();
    --count_;
  }

  std::vector<slot> ring_;
  std::vector<std::uint32_t> index_;  // ring position + 1; 0 = empty
  std::size_t mask_ = 0;
  std::size_t head_ = 0;
  std::size_t count_ = 0;  // slots in the ring, dead ones included
  std::size_t live_ = 0;
};

rep ticks(dedupe_window::clock::time_point t) noexcept {
  return t.time_since_epoch().count();
}

}  // namespace

struct dedupe_window::impl {
  rep window = 0;
  std::size_t shard_count = 1;
  std::array<std::uint8_t, 16> salt{};
  std::array<shard, max_shards> shards;

  shard& shard_for(const key& k) noexcept { return shards[k.lo % shard_count]; }
};

dedupe_window::dedupe_window(std::chrono::seconds window, std::size_t max_entries)
    : impl_(std::make_unique<impl>()) {
  impl_->window = std::chrono::duration_cast<clock::duration>(window).count();
  if (!crypto::random_bytes(impl_->salt)) throw std::runtime_error("dedupe: no random salt");
  // Never more shards than entries, so the per-shard capacities sum to max_entries.
  const std::size_t total = std::max<std::size_t>(max_entries, 1);
  impl_->shard_count = std::min(max_shards, total);
  for (std::size_t i = 0; i < impl_->shard_count; ++i) {
    impl_->shards[i].allocate(total / impl_->shard_count +
                              (i < total % impl_->shard_count ? 1 : 0));
  }
}

dedupe_window::~dedupe_window() = default;

dedupe_window::key dedupe_window::key_of(std::string_view source, std::string_view id) const {
  // salt, source, NUL, id: a source name never holds a NUL, so ("ab","c") and
  // ("a","bc") differ.
  thread_local std::string buf;
  buf.assign(reinterpret_cast<const char*>(impl_->salt.data()), impl_->salt.size());
  buf.append(source);
  buf.push_back('\0');
  buf.append(id);
  const crypto::sha256_digest d = crypto::sha256(crypto::as_bytes(buf));
  key k;
  std::memcpy(&k.hi, d.data(), sizeof k.hi);
  std::memcpy(&k.lo, d.data() + sizeof k.hi, sizeof k.lo);
  return k;
}

dedupe_window::claim dedupe_window::begin(const key& k, clock::time_point now) {
  shard& s = impl_->shard_for(k);
  const rep t = ticks(now);
  std::lock_guard lock(s.mu);
  s.expire(t);
  if (slot* found = s.find(k)) {
    if (found->expires > t) {
      return found->st == state::committed ? claim::duplicate : claim::in_flight;
    }
    s.kill(*found);  // past its window but not yet at the head
  }
  s.append(k, state::in_flight, t + impl_->window);
  return claim::fresh;
}

void dedupe_window::commit(const key& k, clock::time_point now) {
  shard& s = impl_->shard_for(k);
  const rep t = ticks(now);
  std::lock_guard lock(s.mu);
  if (slot* found = s.find(k)) {
    found->st = state::committed;
    found->expires = t + impl_->window;
  } else {
    s.append(k, state::committed, t + impl_->window);
  }
  s.expire(t);
}

void dedupe_window::release(const key& k) {
  shard& s = impl_->shard_for(k);
  std::lock_guard lock(s.mu);
  if (slot* found = s.find(k); found != nullptr && found->st == state::in_flight) s.kill(*found);
}

std::size_t dedupe_window::size() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < impl_->shard_count; ++i) {
    shard& s = impl_->shards[i];
    std::lock_guard lock(s.mu);
    n += s.live();
  }
  return n;
}

}  // namespace rai::handlers
