#include "handlers/sample_events.hpp"

#include <gtest/gtest.h>

#include <set>

#include "handlers/inbound.hpp"
#include "handlers/json_object.hpp"

namespace rai::handlers {
namespace {

// What the gateway makes of `body` from a plaintext source on the generic
// route: the event from the payload's field, the id from its "id".
result<accepted_event> accept(const std::string& body) {
  source_settings plain;
  plain.name = "s";
  plain.require_encryption = false;
  inbound_request req;
  req.body = body;
  return process_inbound(plain, std::nullopt, req);
}

TEST(SampleEvents, EveryKindIsAJsonObjectTheGatewayRoutesByItsEventField) {
  ASSERT_EQ(all_event_kinds().size(), 5u);
  std::set<std::string> ids;
  std::uint64_t n = 0;
  for (const event_kind k : all_event_kinds()) {
    const std::string id = "evt-\"" + std::to_string(++n);  // needs escaping
    const std::string body =
        sample_event(k, {.id = id, .n = n, .timestamp = "2024-05-01T10:00:00.000Z"});
    const auto accepted = accept(body);
    ASSERT_TRUE(accepted) << body;
    EXPECT_EQ(accepted->event, k);
    EXPECT_EQ(accepted->id, id);  // the id field is the event id
    EXPECT_NE(body.find("\"communityId\":\"community-demo\""), std::string::npos) << body;
    EXPECT_NE(body.find("\\u2197"), std::string::npos) << body;  // the default text
    ids.insert(accepted->id);
  }
  EXPECT_EQ(ids.size(), 5u);
}

TEST(SampleEvents, FreeTextIsEscaped) {
  const std::string body = sample_event(event_kind::message_posted,
                                        {.id = "m", .timestamp = "t", .text = "say \"hi\"\n"});
  EXPECT_NE(body.find(R"("text":"say \"hi\"\n")"), std::string::npos) << body;
  EXPECT_TRUE(accept(body));
}

TEST(SampleEvents, OfSizeIsExactWhenTheFixedFieldsAreSmaller) {
  for (const event_kind k : all_event_kinds()) {
    for (const std::size_t size : {std::size_t{700}, std::size_t{1024}, std::size_t{16384}}) {
      const std::string body = sample_event_of_size(
          k, {.id = "bench-1", .n = 9, .timestamp = "2025-03-14T09:26:53.589Z"}, size);
      EXPECT_EQ(body.size(), size) << event_name(k);
      const auto accepted = accept(body);
      ASSERT_TRUE(accepted) << body;
      EXPECT_EQ(accepted->event, k);
    }
    // Smaller than the fixed fields: the smallest payload, with an empty text.
    const sample_event_spec spec{.id = "x", .timestamp = "t"};
    sample_event_spec empty = spec;
    empty.text = std::string_view{};
    EXPECT_EQ(sample_event_of_size(k, spec, 10), sample_event(k, empty));
  }
}

TEST(SampleEvents, WordsHaveTheLengthAskedFor) {
  EXPECT_EQ(sample_words(0, 0), "");
  EXPECT_EQ(sample_words(0, 13), "EUR/USD looks");
  EXPECT_EQ(sample_words(1, 6), "looks.");  // never ends in a space
  EXPECT_EQ(sample_words(3, 500).size(), 500u);
}

}  // namespace
}  // namespace rai::handlers
