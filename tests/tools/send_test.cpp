#include "tools/send.hpp"

#include <gtest/gtest.h>

#include "tools/decrypt.hpp"

namespace rai::tool {
namespace {

// The URL grammar itself is the HTTP client's (tests/http); what the tool
// adds is the http-only rule and the prefix before /webhooks.
TEST(HttpTarget, Forms) {
  auto t = parse_http_url("http://127.0.0.1:8080");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->url.tls);
  EXPECT_EQ(t->url.host, "127.0.0.1");
  EXPECT_EQ(t->url.port, 8080);
  EXPECT_EQ(t->url.target, "/");
  EXPECT_EQ(t->base_path, "");

  t = parse_http_url("http://gw.internal/prefix/");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->url.host, "gw.internal");
  EXPECT_EQ(t->url.port, 80);
  EXPECT_EQ(t->url.target, "/");
  EXPECT_EQ(t->base_path, "/prefix");

  t = parse_http_url("http://[::1]:9000/");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->url.host, "::1");
  EXPECT_EQ(t->url.port, 9000);
  EXPECT_EQ(t->base_path, "");
}

TEST(HttpTarget, Refused) {
  for (const char* url : {"https://x:1", "x:1", "http://:80", "http://h:0", "http://h:99999",
                          "http://[::1", "http://h/p?q=1"}) {
    const auto t = parse_http_url(url);
    ASSERT_FALSE(t) << url;
    EXPECT_EQ(t.error().code, exit_usage) << url;
  }
}

using handlers::event_kind;

TEST(WebhookRequest, KindsFromFlag) {
  EXPECT_EQ(event_kinds_from_flag("all")->size(), 5u);
  EXPECT_EQ(*event_kinds_from_flag("store-item-purchased"),
            std::vector<event_kind>{event_kind::store_item_purchased});
  EXPECT_FALSE(event_kinds_from_flag("user_joined"));
  EXPECT_FALSE(event_kinds_from_flag(""));
}

TEST(WebhookRequest, SealedSampleDecryptsLikeTheGateway) {
  sender_profile p;
  p.source = "s";
  p.cipher.keys = {*crypto::parse_key("0123456789abcdef0123456789abcdef")};
  const auto r = build_webhook_request(p, event_kind::user_visited, "evt-7", 7,
                                       std::chrono::system_clock::now());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->target, "/webhooks/s/user-visited");
  auto receiving = p.cipher;
  receiving.layout = handlers::envelope_layout::auto_detect;
  receiving.encoding = handlers::envelope_encoding::auto_detect;
  const auto v = decrypt_like_gateway(receiving, r->body, std::nullopt);
  ASSERT_TRUE(v.accepted) << v.explanation;
  EXPECT_NE(v.plaintext.find(R"("id":"evt-7","event":"user-visited")"), std::string::npos)
      << v.plaintext;
}

TEST(SendTally, CountsByOutcome) {
  send_tally t(2);
  t.reply("a", 200, R"({"status":"accepted","id":"a"})");
  t.reply("b", 200, R"({"status":"accepted","id":"b","duplicate":true})");
  t.reply("c", 401, R"({"status":"error","error":"invalid API key"})");
  t.reply("d", 401, "{}");
  t.transport_error("e", "connect: refused");
  const auto s = t.snapshot();
  EXPECT_EQ(s.accepted, 1u);
  EXPECT_EQ(s.duplicates, 1u);
  EXPECT_EQ(s.other.at(401), 2u);
  EXPECT_EQ(s.transport_errors, 1u);
  EXPECT_EQ(s.examples.size(), 2u);  // capped
  EXPECT_FALSE(all_succeeded(s));
  const std::string text = format_summary(s, 5, 1.0);
  EXPECT_NE(text.find("401 x2"), std::string::npos) << text;
}

TEST(SendTally, DuplicateNeedsTrue) {
  EXPECT_TRUE(is_duplicate_reply(R"({"duplicate": true})"));
  EXPECT_FALSE(is_duplicate_reply(R"({"duplicate": false})"));
  EXPECT_FALSE(is_duplicate_reply(R"({"status":"accepted"})"));
  EXPECT_FALSE(is_duplicate_reply("not json"));
}

}  // namespace
}  // namespace rai::tool
