#include "tools/sample_events.hpp"

#include <gtest/gtest.h>

#include <set>

#include "handlers/inbound.hpp"
#include "handlers/outbound_command.hpp"

namespace rai::tool {
namespace {

using handlers::event_kind;

TEST(SampleEvents, EveryKindIsAJsonObjectTheGatewayRoutesByItsEventField) {
  const auto kinds = event_kinds_from_flag("all");
  ASSERT_TRUE(kinds);
  ASSERT_EQ(kinds->size(), 5u);
  std::set<std::string> ids;
  std::uint64_t n = 0;
  for (const event_kind k : *kinds) {
    const std::string id = "evt-\"" + std::to_string(++n);  // needs escaping
    const std::string body = sample_event(k, id, n, "2024-05-01T10:00:00.000Z");
    EXPECT_TRUE(handlers::is_json_object(body)) << body;
    handlers::source_settings plain;
    plain.name = "s";
    plain.require_encryption = false;
    handlers::inbound_request req;
    req.body = body;
    const auto accepted = handlers::process_inbound(plain, std::nullopt, req);
    ASSERT_TRUE(accepted) << body;
    EXPECT_EQ(accepted->event, k);
    EXPECT_EQ(accepted->id, id);  // the id field is the event id
    ids.insert(accepted->id);
  }
  EXPECT_EQ(ids.size(), 5u);
}

TEST(SampleEvents, KindsFromFlag) {
  EXPECT_EQ(*event_kinds_from_flag("store-item-purchased"),
            std::vector<event_kind>{event_kind::store_item_purchased});
  EXPECT_FALSE(event_kinds_from_flag("user_joined"));
  EXPECT_FALSE(event_kinds_from_flag(""));
}

}  // namespace
}  // namespace rai::tool
