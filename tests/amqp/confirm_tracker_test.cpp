#include "amqp/confirm_tracker.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace rai::amqp {
namespace {

using clock = confirm_tracker::clock;
using std::chrono::seconds;

// Records, per job number, the statuses its completion was called with.
struct recorder {
  std::map<int, std::vector<publish_status>> calls;

  confirm_tracker::completion job(int n) {
    return [this, n](publish_status s) { calls[n].push_back(s); };
  }
  void run(confirm_tracker& t) {
    for (auto& s : t.take_settled()) s.done(s.status);
  }
  publish_status only(int n) const {
    auto it = calls.find(n);
    EXPECT_NE(it, calls.end()) << "job " << n << " not completed";
    if (it == calls.end()) return publish_status::unavailable;
    EXPECT_EQ(it->second.size(), 1u) << "job " << n << " completed more than once";
    return it->second.front();
  }
};

const clock::time_point t0{};

std::uint64_t add(confirm_tracker& t, recorder& r, int n, std::string id = "",
                  clock::time_point deadline = t0 + seconds(10)) {
  return t.add(r.job(n), std::move(id), "ex", "key", deadline);
}

TEST(ConfirmTracker, TagsCountFromOne) {
  confirm_tracker t;
  recorder r;
  EXPECT_EQ(add(t, r, 1), 1u);
  EXPECT_EQ(add(t, r, 2), 2u);
  EXPECT_EQ(add(t, r, 3), 3u);
  EXPECT_EQ(t.pending(), 3u);
}

TEST(ConfirmTracker, SingleAcksInAnyOrder) {
  confirm_tracker t;
  recorder r;
  for (int i = 1; i <= 3; ++i) add(t, r, i);
  t.ack(2, false);
  r.run(t);
  EXPECT_EQ(r.only(2), publish_status::confirmed);
  EXPECT_EQ(r.calls.count(1), 0u);
  EXPECT_EQ(t.pending(), 2u);
  t.ack(1, false);
  t.ack(3, false);
  r.run(t);
  EXPECT_EQ(r.only(1), publish_status::confirmed);
  EXPECT_EQ(r.only(3), publish_status::confirmed);
  EXPECT_EQ(t.pending(), 0u);
  EXPECT_FALSE(t.next_deadline());
}

TEST(ConfirmTracker, MultipleAckSettlesEverythingUpToTheTag) {
  confirm_tracker t;
  recorder r;
  for (int i = 1; i <= 5; ++i) add(t, r, i);
  t.ack(2, false);
  t.ack(4, true);
  r.run(t);
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(r.only(i), publish_status::confirmed) << i;
  EXPECT_EQ(r.calls.count(5), 0u);
  EXPECT_EQ(t.pending(), 1u);
  // A repeated or stale ack changes nothing.
  t.ack(4, true);
  t.ack(1, false);
  r.run(t);
  EXPECT_EQ(r.calls.size(), 4u);
}

TEST(ConfirmTracker, NackSingleAndMultiple) {
  confirm_tracker t;
  recorder r;
  for (int i = 1; i <= 4; ++i) add(t, r, i);
  t.nack(3, false);
  t.nack(2, true);
  t.ack(4, false);
  r.run(t);
  EXPECT_EQ(r.only(1), publish_status::nacked);
  EXPECT_EQ(r.only(2), publish_status::nacked);
  EXPECT_EQ(r.only(3), publish_status::nacked);
  EXPECT_EQ(r.only(4), publish_status::confirmed);
}

TEST(ConfirmTracker, UnknownTagIsIgnoredUnlessMultiple) {
  confirm_tracker t;
  recorder r;
  add(t, r, 1);
  add(t, r, 2);
  t.ack(9, false);
  r.run(t);
  EXPECT_TRUE(r.calls.empty());
  t.ack(9, true);
  r.run(t);
  EXPECT_EQ(r.only(1), publish_status::confirmed);
  EXPECT_EQ(r.only(2), publish_status::confirmed);
}

TEST(ConfirmTracker, ReturnThenAckSettlesAsReturned) {
  confirm_tracker t;
  recorder r;
  add(t, r, 1, "a");
  add(t, r, 2, "b");
  add(t, r, 3, "c");
  EXPECT_TRUE(t.mark_returned("b", "ex", "key"));
  EXPECT_FALSE(t.mark_returned("b", "other", "key"));
  EXPECT_FALSE(t.mark_returned("zzz", "ex", "key"));
  r.run(t);
  EXPECT_TRUE(r.calls.empty());  // the return alone settles nothing
  t.ack(3, true);
  r.run(t);
  EXPECT_EQ(r.only(1), publish_status::confirmed);
  EXPECT_EQ(r.only(2), publish_status::returned);
  EXPECT_EQ(r.only(3), publish_status::confirmed);
}

TEST(ConfirmTracker, DuplicateMessageIdsAreReturnedOldestFirst) {
  confirm_tracker t;
  recorder r;
  add(t, r, 1, "same");
  add(t, r, 2, "same");
  EXPECT_TRUE(t.mark_returned("same", "ex", "key"));
  t.ack(1, false);
  EXPECT_TRUE(t.mark_returned("same", "ex", "key"));
  t.ack(2, false);
  r.run(t);
  EXPECT_EQ(r.only(1), publish_status::returned);
  EXPECT_EQ(r.only(2), publish_status::returned);
}

TEST(ConfirmTracker, ExpiresOnlyPastTheDeadlineAndIgnoresLateAcks) {
  confirm_tracker t;
  recorder r;
  add(t, r, 1, "", t0 + seconds(1));
  add(t, r, 2, "", t0 + seconds(2));
  add(t, r, 3, "", t0 + seconds(3));
  EXPECT_EQ(t.next_deadline(), t0 + seconds(1));
  t.expire(t0 + seconds(1) - std::chrono::nanoseconds(1));
  r.run(t);
  EXPECT_TRUE(r.calls.empty());
  t.expire(t0 + seconds(2));
  r.run(t);
  EXPECT_EQ(r.only(1), publish_status::timed_out);
  EXPECT_EQ(r.only(2), publish_status::timed_out);
  EXPECT_EQ(t.pending(), 1u);
  EXPECT_EQ(t.next_deadline(), t0 + seconds(3));
  t.ack(3, true);  // covers the timed-out tags too
  r.run(t);
  EXPECT_EQ(r.only(1), publish_status::timed_out);
  EXPECT_EQ(r.only(2), publish_status::timed_out);
  EXPECT_EQ(r.only(3), publish_status::confirmed);
}

TEST(ConfirmTracker, ExpirySkipsSettledJobs) {
  confirm_tracker t;
  recorder r;
  add(t, r, 1, "", t0 + seconds(1));
  add(t, r, 2, "", t0 + seconds(2));
  t.ack(2, false);
  t.expire(t0 + seconds(5));
  r.run(t);
  EXPECT_EQ(r.only(1), publish_status::timed_out);
  EXPECT_EQ(r.only(2), publish_status::confirmed);
  EXPECT_EQ(t.pending(), 0u);
}

TEST(ConfirmTracker, ResetFailsPendingAndRestartsTags) {
  confirm_tracker t;
  recorder r;
  for (int i = 1; i <= 3; ++i) add(t, r, i);
  t.ack(1, false);
  t.reset(publish_status::connection_lost);
  r.run(t);
  EXPECT_EQ(r.only(1), publish_status::confirmed);
  EXPECT_EQ(r.only(2), publish_status::connection_lost);
  EXPECT_EQ(r.only(3), publish_status::connection_lost);
  EXPECT_EQ(t.pending(), 0u);
  EXPECT_EQ(add(t, r, 4), 1u);  // new channel
  t.ack(1, false);
  r.run(t);
  EXPECT_EQ(r.only(4), publish_status::confirmed);
}

TEST(ConfirmTracker, ManyJobsStayConsistent) {
  confirm_tracker t;
  int confirmed = 0;
  for (int i = 0; i < 10000; ++i) {
    t.add([&](publish_status s) { confirmed += s == publish_status::confirmed; }, "", "ex", "k",
          t0 + seconds(10));
  }
  for (std::uint64_t tag = 2; tag <= 10000; tag += 2) t.ack(tag, false);
  EXPECT_EQ(t.pending(), 5000u);
  t.ack(9999, true);
  for (auto& s : t.take_settled()) s.done(s.status);
  EXPECT_EQ(confirmed, 10000);
  EXPECT_EQ(t.pending(), 0u);
  EXPECT_EQ(t.next_tag(), 10001u);
}

TEST(PublishStatus, ToString) {
  EXPECT_STREQ(to_string(publish_status::confirmed), "confirmed");
  EXPECT_STREQ(to_string(publish_status::nacked), "nacked");
  EXPECT_STREQ(to_string(publish_status::returned), "returned");
  EXPECT_STREQ(to_string(publish_status::unavailable), "unavailable");
  EXPECT_STREQ(to_string(publish_status::connection_lost), "connection_lost");
  EXPECT_STREQ(to_string(publish_status::overloaded), "overloaded");
  EXPECT_STREQ(to_string(publish_status::timed_out), "timed_out");
}

}  // namespace
}  // namespace rai::amqp
