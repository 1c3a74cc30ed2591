#include "handlers/dedupe.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/aes.hpp"
#include "crypto/hash.hpp"

namespace rai::handlers {
namespace {

constexpr std::size_t max_shards = 16;
using key = dedupe_window::key;
using seconds = std::uint32_t;  // of the steady clock: 136 years of uptime

// 16 bytes. `expires` is a whole second, rounded up, so an id is never
// forgotten early; 0 marks a dead slot (released, replaced or evicted).
struct slot {
  std::uint64_t hi = 0;  // the key, unpacked: a `key` member would pad to 24 bytes
  std::uint32_t lo = 0;
  seconds expires = 0;

  bool holds(const key& k) const noexcept { return hi == k.hi && lo == k.lo; }
  key k() const noexcept { return {hi, lo}; }
};
static_assert(sizeof(slot) == 16);

// One shard: a ring of slots in claim order (oldest at `head`) and an
// open-addressing index (linear probing) from key to ring position. Only live
// slots are indexed, and the index entry carries the committed bit; a dead
// slot is reclaimed when it reaches the head. Both arrays are allocated once.
class shard {
 public:
  std::mutex mu;

  struct found {
    std::size_t bucket;  // in the index, for kill() and commit() without a second probe
    slot& s;
    bool committed;
  };

  void allocate(std::size_t capacity) {
    ring_.assign(capacity, slot{});
    // At most `capacity` live keys: the index stays at most 3/4 full.
    index_.assign(capacity + capacity / 3 + 1, 0);
  }

  std::size_t live() const noexcept { return live_; }

  std::optional<found> find(const key& k) noexcept {
    const std::size_t b = bucket_of(k);
    if (b == npos) return std::nullopt;
    return found{b, ring_[(index_[b] & pos_mask) - 1], (index_[b] & committed_bit) != 0};
  }

  // Drops dead and expired slots from the head. Slots behind a head that
  // expires later wait their turn; lookups check `expires` themselves.
  void expire(seconds now) noexcept {
    while (count_ > 0 && ring_[head_].expires <= now) pop_head();
  }

  void kill(const found& f) noexcept {
    erase_bucket(f.bucket);
    f.s.expires = 0;
    --live_;
  }

  void commit(const found& f, seconds expires) noexcept {
    index_[f.bucket] |= committed_bit;
    f.s.expires = expires;
  }

  // Appends a key the index does not hold, evicting the oldest slot when full.
  void append(const key& k, bool committed, seconds expires) noexcept {
    if (count_ == ring_.size()) pop_head();
    const std::size_t pos = (head_ + count_) % ring_.size();
    ring_[pos] = slot{k.hi, k.lo, expires};
    ++count_;
    ++live_;
    std::size_t b = home(k);
    while (index_[b] != 0) b = next(b);
    index_[b] = static_cast<std::uint32_t>(pos + 1) | (committed ? committed_bit : 0);
  }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  static constexpr std::uint32_t committed_bit = 1u << 31;
  static constexpr std::uint32_t pos_mask = committed_bit - 1;

  // The key's high bits scaled onto the index (no power-of-two rounding).
  std::size_t home(const key& k) const noexcept {
    return static_cast<std::size_t>((static_cast<unsigned __int128>(k.hi) * index_.size()) >> 64);
  }
  std::size_t next(std::size_t b) const noexcept { return b + 1 == index_.size() ? 0 : b + 1; }
  const slot& at(std::size_t b) const noexcept { return ring_[(index_[b] & pos_mask) - 1]; }

  std::size_t bucket_of(const key& k) const noexcept {
    for (std::size_t b = home(k); index_[b] != 0; b = next(b)) {
      if (at(b).holds(k)) return b;
    }
    return npos;
  }

  // Backward-shift deletion: later members of the probe run move up so every
  // key stays reachable from its home bucket without tombstones.
  void erase_bucket(std::size_t hole) noexcept {
    for (std::size_t b = next(hole); index_[b] != 0; b = next(b)) {
      const std::size_t h = home(at(b).k());
      const bool stays = hole <= b ? (hole < h && h <= b) : (hole < h || h <= b);
      if (stays) continue;
      index_[hole] = index_[b];
      hole = b;
    }
    index_[hole] = 0;
  }

  void pop_head() noexcept {
    if (ring_[head_].expires != 0) kill(*find(ring_[head_].k()));
    head_ = (head_ + 1) % ring_.size();
    --count_;
  }

  std::vector<slot> ring_;
  std::vector<std::uint32_t> index_;  // committed bit | ring position + 1; 0 = empty
  std::size_t head_ = 0;
  std::size_t count_ = 0;  // slots in the ring, dead ones included
  std::size_t live_ = 0;
};

seconds floor_seconds(dedupe_window::clock::time_point t) noexcept {
  return static_cast<seconds>(
      std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count());
}

seconds ceil_seconds(dedupe_window::clock::time_point t) noexcept {
  return static_cast<seconds>(
      std::chrono::ceil<std::chrono::seconds>(t.time_since_epoch()).count());
}

}  // namespace

struct dedupe_window::impl {
  std::chrono::seconds window{0};
  std::size_t shard_count = 1;
  std::array<std::uint8_t, 16> salt{};
  std::array<shard, max_shards> shards;

  shard& shard_for(const key& k) noexcept { return shards[k.lo % shard_count]; }
};

dedupe_window::dedupe_window(std::chrono::seconds window, std::size_t max_entries)
    : impl_(std::make_unique<impl>()) {
  impl_->window = window;
  if (!crypto::random_bytes(impl_->salt)) throw std::runtime_error("dedupe: no random salt");
  if (max_entries > max_capacity) throw std::invalid_argument("dedupe: too many max_entries");
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
  const seconds t = floor_seconds(now);
  std::lock_guard lock(s.mu);
  s.expire(t);
  if (const auto f = s.find(k)) {
    if (f->s.expires > t) return f->committed ? claim::duplicate : claim::in_flight;
    s.kill(*f);  // past its window but not yet at the head
  }
  s.append(k, false, ceil_seconds(now + impl_->window));
  return claim::fresh;
}

void dedupe_window::commit(const key& k, clock::time_point now) {
  shard& s = impl_->shard_for(k);
  const seconds expires = ceil_seconds(now + impl_->window);
  std::lock_guard lock(s.mu);
  if (const auto f = s.find(k)) {
    s.commit(*f, expires);
  } else {
    s.append(k, true, expires);
  }
  s.expire(floor_seconds(now));
}

void dedupe_window::release(const key& k) {
  shard& s = impl_->shard_for(k);
  std::lock_guard lock(s.mu);
  if (const auto f = s.find(k); f && !f->committed) s.kill(*f);
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
