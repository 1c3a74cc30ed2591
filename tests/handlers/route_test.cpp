#include "handlers/route.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rai::handlers {
namespace {

TEST(Route, SourceOnly) {
  const auto r = parse_webhook_route("/webhooks/default");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, "default");
  EXPECT_EQ(r->event, std::nullopt);
}

TEST(Route, SourceAndEvent) {
  const auto r = parse_webhook_route("/webhooks/community-1/user-joined");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, "community-1");
  ASSERT_TRUE(r->event);
  EXPECT_EQ(*r->event, "user-joined");
}

TEST(Route, QueryStringIgnored) {
  auto r = parse_webhook_route("/webhooks/a.b_C-9/ev?x=1&y=/z");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, "a.b_C-9");
  EXPECT_EQ(r->event, "ev");
  r = parse_webhook_route("/webhooks/src?");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, "src");
  EXPECT_EQ(r->event, std::nullopt);
}

TEST(Route, ViewsPointIntoTarget) {
  const std::string target = "/webhooks/s/e";
  const auto r = parse_webhook_route(target);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source.data(), target.data() + 10);
  EXPECT_EQ(r->event->data(), target.data() + 12);
}

TEST(Route, SegmentLengthLimit) {
  const std::string s128(128, 's');
  const std::string s129(129, 's');
  EXPECT_TRUE(parse_webhook_route("/webhooks/" + s128));
  EXPECT_TRUE(parse_webhook_route("/webhooks/x/" + s128));
  EXPECT_FALSE(parse_webhook_route("/webhooks/" + s129));
  EXPECT_FALSE(parse_webhook_route("/webhooks/x/" + s129));
}

TEST(Route, Rejected) {
  for (const char* t : {
           "",
           "/",
           "/webhooks",
           "/webhooks/",
           "/webhooks//",
           "/webhooks//user-joined",
           "/webhooks/default/",
           "/webhooks/default//",
           "/webhooks/default/user-joined/",
           "/webhooks/default/user-joined/extra",
           "/Webhooks/default",
           "/webhook/default",
           "webhooks/default",
           "//webhooks/default",
           "/api/webhooks/default",
           "http://host/webhooks/default",
           "/webhooks/def%61ult",
           "/webhooks/default/user%2Djoined",
           "/webhooks/de fault",
           "/webhooks/de+fault",
           "/webhooks/default#frag",
           "/webhooks/d\xc3\xa9",
           "/webhooks/.",
           "/webhooks/..",
           "/webhooks/default/..",
           "/webhooks/a\\b",
           "?/webhooks/default",
       }) {
    const auto r = parse_webhook_route(t);
    ASSERT_FALSE(r) << t;
    EXPECT_EQ(r.error(), make_error_code(inbound_errc::unknown_route)) << t;
    EXPECT_EQ(http_status(r.error()), 404u);
  }
}

TEST(Route, DotsInsideNamesAreFine) {
  const auto r = parse_webhook_route("/webhooks/.hidden/...");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, ".hidden");
  EXPECT_EQ(r->event, "...");
}

}  // namespace
}  // namespace rai::handlers
