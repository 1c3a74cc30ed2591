#include "tools/webhook_request.hpp"

#include <gtest/gtest.h>

#include "tools/decrypt_check.hpp"

namespace rai::tool {
namespace {

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

}  // namespace
}  // namespace rai::tool
