#include "handlers/errc.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "crypto/errc.hpp"

namespace rai::handlers {
namespace {

struct row {
  inbound_errc e;
  unsigned status;
  std::string_view reason;
};

constexpr row rows[] = {
    {inbound_errc::bad_envelope, 400, "bad_envelope"},
    {inbound_errc::mode_mismatch, 400, "mode_mismatch"},
    {inbound_errc::not_json_object, 400, "not_json_object"},
    {inbound_errc::no_decryption_key, 400, "no_decryption_key"},
    {inbound_errc::missing_api_key, 401, "missing_api_key"},
    {inbound_errc::bad_api_key, 401, "bad_api_key"},
    {inbound_errc::signature_missing, 401, "signature_missing"},
    {inbound_errc::signature_invalid, 401, "signature_invalid"},
    {inbound_errc::timestamp_out_of_tolerance, 401, "timestamp_out_of_tolerance"},
    {inbound_errc::encryption_required, 401, "encryption_required"},
    {inbound_errc::decrypt_failed, 401, "decrypt_failed"},
    {inbound_errc::unknown_route, 404, "unknown_route"},
    {inbound_errc::unknown_source, 404, "unknown_source"},
    {inbound_errc::unknown_event, 404, "unknown_event"},
    {inbound_errc::method_not_allowed, 405, "method_not_allowed"},
    {inbound_errc::body_too_large, 413, "body_too_large"},
    {inbound_errc::missing_event_type, 422, "missing_event_type"},
    {inbound_errc::unknown_event_type, 422, "unknown_event_type"},
};

TEST(InboundErrc, StatusAndReasonForEveryValue) {
  static_assert(std::size(rows) == static_cast<std::size_t>(inbound_errc::unknown_event_type));
  for (const auto& r : rows) {
    const boost::system::error_code ec = r.e;  // via is_error_code_enum
    EXPECT_EQ(http_status(ec), r.status) << r.reason;
    EXPECT_EQ(reason(ec), r.reason);
  }
}

TEST(InboundErrc, PublicMessagesAreShortDistinctAndFixed) {
  std::set<std::string_view> seen;
  for (const auto& r : rows) {
    const auto m = public_message(make_error_code(r.e));
    EXPECT_FALSE(m.empty()) << r.reason;
    EXPECT_LT(m.size(), 64u) << r.reason;
    EXPECT_TRUE(seen.insert(m).second) << "duplicate message for " << r.reason;
    EXPECT_EQ(make_error_code(r.e).message(), std::string(m));
  }
  EXPECT_EQ(public_message(inbound_errc::bad_api_key), "invalid API key");
  EXPECT_EQ(public_message(inbound_errc::bad_envelope), "envelope cannot be parsed");
}

TEST(InboundErrc, Category) {
  const boost::system::error_code ec = inbound_errc::decrypt_failed;
  EXPECT_STREQ(ec.category().name(), "rai.inbound");
  EXPECT_EQ(&ec.category(), &inbound_category());
  EXPECT_TRUE(ec.failed());
  EXPECT_EQ(ec, inbound_errc::decrypt_failed);
  EXPECT_NE(ec, inbound_errc::bad_api_key);
  char buf[8];
  EXPECT_STREQ(
      ec.category().message(static_cast<int>(inbound_errc::decrypt_failed), buf, sizeof buf),
      "payload");
}

TEST(InboundErrc, OtherCategoriesAndOutOfRangeAre500) {
  EXPECT_EQ(http_status(make_error_code(crypto::crypto_errc::auth_failed)), 500u);
  EXPECT_EQ(http_status(boost::system::error_code(5, boost::system::generic_category())), 500u);
  EXPECT_EQ(http_status(boost::system::error_code(999, inbound_category())), 500u);
  EXPECT_EQ(reason(make_error_code(crypto::crypto_errc::auth_failed)), "internal_error");
  EXPECT_EQ(public_message(boost::system::error_code(999, inbound_category())), "internal error");
  EXPECT_EQ(http_status(boost::system::error_code()), 200u);
}

TEST(InboundErrc, WorksWithResult) {
  const result<int> r = make_error_code(inbound_errc::unknown_event_type);
  ASSERT_FALSE(r);
  EXPECT_EQ(http_status(r.error()), 422u);
}

}  // namespace
}  // namespace rai::handlers
