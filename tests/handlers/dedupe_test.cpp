#include "handlers/dedupe.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace rai::handlers {
namespace {

using namespace std::chrono_literals;
using claim = dedupe_window::claim;
using tp = dedupe_window::clock::time_point;

const tp t0 = tp{} + 1000h;

TEST(Dedupe, FreshThenInFlightThenDuplicate) {
  dedupe_window d(24h, 1000);
  EXPECT_EQ(d.begin("src", "a", t0), claim::fresh);
  EXPECT_EQ(d.begin("src", "a", t0), claim::in_flight);
  d.commit("src", "a", t0 + 1s);
  EXPECT_EQ(d.begin("src", "a", t0 + 2s), claim::duplicate);
  EXPECT_EQ(d.begin("src", "a", t0 + 1s + 24h - 1s), claim::duplicate);
  EXPECT_EQ(d.size(), 1u);
}

TEST(Dedupe, PerSource) {
  dedupe_window d(24h, 1000);
  EXPECT_EQ(d.begin("s1", "a", t0), claim::fresh);
  EXPECT_EQ(d.begin("s2", "a", t0), claim::fresh);
  // The separator keeps ("ab","c") and ("a","bc") apart.
  EXPECT_EQ(d.begin("ab", "c", t0), claim::fresh);
  EXPECT_EQ(d.begin("a", "bc", t0), claim::fresh);
  EXPECT_EQ(d.size(), 4u);
}

TEST(Dedupe, ReleaseAllowsRetry) {
  dedupe_window d(24h, 1000);
  EXPECT_EQ(d.begin("s", "a", t0), claim::fresh);
  d.release("s", "a");
  EXPECT_EQ(d.size(), 0u);
  EXPECT_EQ(d.begin("s", "a", t0), claim::fresh);
  d.commit("s", "a", t0);
  d.release("s", "a");  // a committed id is not released
  EXPECT_EQ(d.begin("s", "a", t0), claim::duplicate);
  d.release("s", "unknown");  // no-op
  EXPECT_EQ(d.size(), 1u);
}

TEST(Dedupe, CommittedEntriesExpireAfterTheWindow) {
  dedupe_window d(10s, 1000);
  EXPECT_EQ(d.begin("s", "a", t0), claim::fresh);
  d.commit("s", "a", t0 + 1s);
  EXPECT_EQ(d.begin("s", "a", t0 + 10s), claim::duplicate);
  EXPECT_EQ(d.begin("s", "a", t0 + 11s), claim::fresh);  // window counts from the commit
  EXPECT_EQ(d.begin("s", "a", t0 + 11s), claim::in_flight);
}

TEST(Dedupe, WholeSecondExpiryNeverForgetsEarly) {
  dedupe_window d(10s, 1000);
  d.commit("s", "a", t0 + 500ms);
  EXPECT_EQ(d.begin("s", "a", t0 + 10s + 499ms), claim::duplicate);  // 1 ms before the window ends
  EXPECT_EQ(d.begin("s", "a", t0 + 11s), claim::fresh);              // within a second after
}

TEST(Dedupe, RefusesMoreThanMaxCapacity) {
  EXPECT_THROW(dedupe_window(24h, dedupe_window::max_capacity + 1), std::invalid_argument);
}

TEST(Dedupe, StaleInFlightClaimsExpireToo) {
  dedupe_window d(10s, 1000);
  EXPECT_EQ(d.begin("s", "a", t0), claim::fresh);
  EXPECT_EQ(d.begin("s", "a", t0 + 9s), claim::in_flight);
  EXPECT_EQ(d.begin("s", "a", t0 + 10s), claim::fresh);
}

TEST(Dedupe, ExpiredEntriesAreSwept) {
  dedupe_window d(10s, 100000);
  for (int i = 0; i < 1000; ++i) {
    const std::string id = std::to_string(i);
    ASSERT_EQ(d.begin("s", id, t0), claim::fresh);
    d.commit("s", id, t0);
  }
  EXPECT_EQ(d.size(), 1000u);
  // Touching every shard once after the window empties it.
  for (int i = 0; i < 1000; ++i) d.begin("s", "new" + std::to_string(i), t0 + 20s);
  EXPECT_EQ(d.size(), 1000u);  // only the new claims remain
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(d.begin("s", std::to_string(i), t0 + 20s), claim::fresh) << i;
  }
}

TEST(Dedupe, CommitWithoutClaimIsRemembered) {
  dedupe_window d(24h, 1000);
  d.commit("s", "a", t0);
  EXPECT_EQ(d.begin("s", "a", t0), claim::duplicate);
}

TEST(Dedupe, MaxEntriesEvictsOldest) {
  dedupe_window d(24h, 1);
  EXPECT_EQ(d.begin("s", "a", t0), claim::fresh);
  d.commit("s", "a", t0);
  EXPECT_EQ(d.begin("s", "b", t0 + 1s), claim::fresh);  // evicts "a"
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(d.begin("s", "b", t0 + 2s), claim::in_flight);
  EXPECT_EQ(d.begin("s", "a", t0 + 2s), claim::fresh);  // forgotten, evicts "b"
  EXPECT_EQ(d.begin("s", "b", t0 + 3s), claim::fresh);
}

TEST(Dedupe, SizeNeverExceedsMaxEntries) {
  for (const std::size_t max : {2u, 3u, 15u, 16u, 17u, 100u, 1000u}) {
    dedupe_window d(24h, max);
    for (int i = 0; i < 5000; ++i) {
      const std::string id = "id" + std::to_string(i);
      d.begin("s", id, t0 + std::chrono::seconds(i));
      if (i % 2 == 0) d.commit("s", id, t0 + std::chrono::seconds(i));
      ASSERT_LE(d.size(), max) << max;
    }
    EXPECT_EQ(d.size(), max);  // every shard filled up to its share
  }
}

TEST(Dedupe, RecentEntriesSurviveEviction) {
  dedupe_window d(24h, 1600);
  for (int i = 0; i < 100000; ++i) {
    const std::string id = std::to_string(i);
    d.begin("s", id, t0);
    d.commit("s", id, t0);
  }
  EXPECT_LE(d.size(), 1600u);
  // The last few are certainly still there (each shard keeps its newest 100).
  for (int i = 100000 - 20; i < 100000; ++i) {
    EXPECT_EQ(d.begin("s", std::to_string(i), t0), claim::duplicate) << i;
  }
  // The first ones are certainly gone.
  EXPECT_EQ(d.begin("s", "0", t0), claim::fresh);
}

TEST(Dedupe, KeysDependOnSourceAndIdOnly) {
  dedupe_window d(24h, 10);
  EXPECT_EQ(d.key_of("s", "a"), d.key_of("s", "a"));
  EXPECT_NE(d.key_of("s", "a"), d.key_of("s", "b"));
  EXPECT_NE(d.key_of("s", "a"), d.key_of("t", "a"));
  EXPECT_NE(d.key_of("ab", "c"), d.key_of("a", "bc"));
  // A random salt per window: keys cannot be precomputed from outside.
  dedupe_window other(24h, 10);
  EXPECT_NE(d.key_of("s", "a"), other.key_of("s", "a"));
}

TEST(Dedupe, ReleasedSlotsAreReclaimed) {
  // A window of one slot: each released claim's slot is reused.
  dedupe_window d(24h, 1);
  for (int round = 0; round < 100; ++round) {
    const std::string id = "x" + std::to_string(round);
    ASSERT_EQ(d.begin("s", id, t0), claim::fresh);
    ASSERT_EQ(d.size(), 1u);
    d.release("s", id);
    ASSERT_EQ(d.size(), 0u);
  }
  ASSERT_EQ(d.begin("s", "a", t0), claim::fresh);
  d.commit("s", "a", t0);
  EXPECT_EQ(d.begin("s", "a", t0), claim::duplicate);
  EXPECT_EQ(d.begin("s", "x99", t0), claim::fresh);  // evicts "a"
  EXPECT_EQ(d.begin("s", "a", t0), claim::fresh);
}

// Random operations against a plain map. The window is large enough never to
// evict, so its answers must match the model exactly; the index is exercised
// with many deletions (releases, expiries) in between.
TEST(Dedupe, MatchesAModelUnderRandomOperations) {
  struct model_entry {
    bool committed;
    tp expires;
  };
  constexpr int ops = 20000;
  dedupe_window d(50s, 16 * ops);
  std::map<std::string, model_entry> model;
  std::mt19937 rng(12345);
  tp now = t0;
  for (int i = 0; i < ops; ++i) {
    now += std::chrono::seconds(rng() % 3);
    const std::string id = "id" + std::to_string(rng() % 300);
    auto it = model.find(id);
    const bool live = it != model.end() && it->second.expires > now;
    switch (rng() % 3) {
      case 0: {
        claim expected = claim::fresh;
        if (live) {
          expected = it->second.committed ? claim::duplicate : claim::in_flight;
        } else {
          model[id] = {false, now + 50s};
        }
        ASSERT_EQ(d.begin("s", id, now), expected) << "op " << i << " id " << id;
        break;
      }
      case 1:
        d.commit("s", id, now);
        model[id] = {true, now + 50s};
        break;
      case 2:
        d.release("s", id);
        if (it != model.end() && !it->second.committed) model.erase(it);
        break;
    }
  }
  for (int i = 0; i < 300; ++i) {
    const std::string id = "id" + std::to_string(i);
    const auto it = model.find(id);
    claim expected = claim::fresh;
    if (it != model.end() && it->second.expires > now) {
      expected = it->second.committed ? claim::duplicate : claim::in_flight;
    }
    EXPECT_EQ(d.begin("s", id, now), expected) << id;
  }
}

TEST(Dedupe, ConcurrentClaimsYieldOneFreshPerId) {
  dedupe_window d(24h, 1'000'000);
  constexpr int threads = 8;
  constexpr int ids = 2000;
  std::atomic<int> fresh{0}, dup{0}, inflight{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < ids; ++i) {
        const std::string id = "evt-" + std::to_string((i * 7 + t) % ids);
        switch (d.begin("src", id, t0)) {
          case claim::fresh:
            ++fresh;
            d.commit("src", id, t0);
            break;
          case claim::duplicate:
            ++dup;
            break;
          case claim::in_flight:
            ++inflight;
            break;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(fresh.load(), ids);
  EXPECT_EQ(fresh + dup + inflight, threads * ids);
  EXPECT_EQ(d.size(), static_cast<std::size_t>(ids));
  for (int i = 0; i < ids; ++i) {
    EXPECT_EQ(d.begin("src", "evt-" + std::to_string(i), t0), claim::duplicate);
  }
}

TEST(Dedupe, ConcurrentReleaseAndRetry) {
  dedupe_window d(24h, 1'000'000);
  constexpr int threads = 4;
  std::atomic<int> published{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        const std::string id = std::to_string(i % 500);
        if (d.begin("s", id, t0) != claim::fresh) continue;
        // Every other thread "fails to publish" and releases its claim.
        if ((t + i) % 2 == 0) {
          d.release("s", id);
        } else {
          ++published;
          d.commit("s", id, t0);
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_LE(published.load(), 500);
  EXPECT_LE(d.size(), 500u);
  for (int i = 0; i < 500; ++i) {
    const auto c = d.begin("s", std::to_string(i), t0);
    EXPECT_NE(c, claim::in_flight) << i;  // every claim was settled
  }
}

}  // namespace
}  // namespace rai::handlers
