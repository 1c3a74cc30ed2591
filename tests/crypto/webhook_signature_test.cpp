#include "crypto/webhook_signature.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace rai::crypto {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

// Known-answer vector from the Standard Webhooks reference libraries
// (checked independently with Python's hmac module).
constexpr std::string_view kat_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr std::string_view kat_id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr std::int64_t kat_ts = 1614265330;
constexpr std::string_view kat_ts_text = "1614265330";
constexpr std::string_view kat_body = R"({"test": 2432232314})";
constexpr std::string_view kat_sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
constexpr seconds tolerance{300};

system_clock::time_point at(std::int64_t unix_seconds) {
  return system_clock::time_point{seconds{unix_seconds}};
}

class WebhookSignature : public ::testing::Test {
 protected:
  webhook_secret secret = webhook_secret::parse(kat_secret).value();

  result<void> verify(std::string_view header, std::int64_t now = kat_ts,
                      std::string_view body = kat_body, std::string_view id = kat_id,
                      std::string_view ts = kat_ts_text) {
    return webhook_verify(secret, id, ts, header, body, at(now), tolerance);
  }
};

TEST_F(WebhookSignature, KnownAnswerSign) {
  EXPECT_EQ(webhook_sign(secret, kat_id, kat_ts, kat_body), kat_sig);
}

TEST_F(WebhookSignature, KnownAnswerVerify) {
  EXPECT_TRUE(verify(kat_sig));
}

TEST(WebhookSecret, Parse) {
  auto s = webhook_secret::parse(kat_secret);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->key().size(), 24u);
  for (std::string_view bad :
       {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  // no prefix
        "WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec", "",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!", "whsec_ MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwx"}) {
    SCOPED_TRACE(bad);
    auto r = webhook_secret::parse(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), crypto_errc::bad_secret);
  }
}

TEST_F(WebhookSignature, MissingPieces) {
  EXPECT_EQ(verify("").error(), crypto_errc::signature_missing);
  EXPECT_EQ(verify(kat_sig, kat_ts, kat_body, "").error(), crypto_errc::signature_missing);
  EXPECT_EQ(verify(kat_sig, kat_ts, kat_body, kat_id, "").error(), crypto_errc::signature_missing);
}

TEST_F(WebhookSignature, BadTimestamp) {
  for (std::string_view ts :
       {"abc", "-1614265330", "+1614265330", "1614265330.5", " 1614265330", "1614265330 ",
        "1614265330s", "0x60361e72", "1.6e9", "99999999999999999999999"}) {
    SCOPED_TRACE(ts);
    EXPECT_EQ(verify(kat_sig, kat_ts, kat_body, kat_id, ts).error(), crypto_errc::bad_timestamp);
  }
}

TEST_F(WebhookSignature, ToleranceBothSides) {
  EXPECT_TRUE(verify(kat_sig, kat_ts + 300));
  EXPECT_EQ(verify(kat_sig, kat_ts + 301).error(), crypto_errc::timestamp_too_old);
  EXPECT_EQ(verify(kat_sig, kat_ts + 86400).error(), crypto_errc::timestamp_too_old);
  EXPECT_TRUE(verify(kat_sig, kat_ts - 300));
  EXPECT_EQ(verify(kat_sig, kat_ts - 301).error(), crypto_errc::timestamp_too_new);
  EXPECT_EQ(verify(kat_sig, 0).error(), crypto_errc::timestamp_too_new);
  // Timestamp checks come before the signature: a stale but forged request
  // still reports the timestamp.
  EXPECT_EQ(verify("v1,AAAA", kat_ts + 301).error(), crypto_errc::timestamp_too_old);
}

TEST_F(WebhookSignature, SubSecondNowIsTruncated) {
  const auto now = at(kat_ts + 300) + std::chrono::milliseconds(999);
  EXPECT_TRUE(webhook_verify(secret, kat_id, kat_ts_text, kat_sig, kat_body, now, tolerance));
}

TEST_F(WebhookSignature, MultipleEntries) {
  const std::string good(kat_sig);
  const std::string good_b64 = good.substr(3);
  EXPECT_TRUE(verify("v1,bm90IGl0 " + good));
  EXPECT_TRUE(verify(good + " v1,bm90IGl0"));
  EXPECT_TRUE(verify("v1,bm90IGl0  " + good + " v1,YWdhaW4="));  // double space
  EXPECT_TRUE(verify("v1a,x v2," + good_b64 + " " + good));
  EXPECT_EQ(verify("v1,bm90IGl0 v1,YWdhaW4=").error(), crypto_errc::signature_mismatch);
}

TEST_F(WebhookSignature, OtherVersionsIgnored) {
  const std::string good_b64 = std::string(kat_sig).substr(3);
  EXPECT_EQ(verify("v2," + good_b64).error(), crypto_errc::signature_mismatch);
  EXPECT_EQ(verify("v1a," + good_b64).error(), crypto_errc::signature_mismatch);
  EXPECT_EQ(verify("V1," + good_b64).error(), crypto_errc::signature_mismatch);
  EXPECT_EQ(verify(good_b64).error(), crypto_errc::signature_mismatch);  // no version
  EXPECT_EQ(verify("v2," + good_b64 + " v1,bm90IGl0").error(), crypto_errc::signature_mismatch);
}

TEST_F(WebhookSignature, TamperingIsDetected) {
  EXPECT_EQ(verify(kat_sig, kat_ts, R"({"test": 2432232315})").error(),
            crypto_errc::signature_mismatch);
  EXPECT_EQ(verify(kat_sig, kat_ts, "").error(), crypto_errc::signature_mismatch);
  EXPECT_EQ(verify(kat_sig, kat_ts, kat_body, "msg_p5jXN8AQM9LWM0D4loKWxJeK").error(),
            crypto_errc::signature_mismatch);
  EXPECT_EQ(verify(kat_sig, kat_ts + 1, kat_body, kat_id, "1614265331").error(),
            crypto_errc::signature_mismatch);
  // Truncated, unpadded or otherwise re-encoded signatures are not accepted.
  const std::string good(kat_sig);
  EXPECT_EQ(verify(good.substr(0, good.size() - 1)).error(), crypto_errc::signature_mismatch);
  EXPECT_EQ(verify(good + "=").error(), crypto_errc::signature_mismatch);
  EXPECT_EQ(verify("v1,").error(), crypto_errc::signature_mismatch);

  auto other = webhook_secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSv");
  ASSERT_TRUE(other);
  EXPECT_EQ(
      webhook_verify(*other, kat_id, kat_ts_text, kat_sig, kat_body, at(kat_ts), tolerance).error(),
      crypto_errc::signature_mismatch);
}

// The timestamp is signed in canonical decimal form (as the reference
// libraries do after parsing it), so leading zeros do not change the MAC.
TEST_F(WebhookSignature, TimestampIsCanonicalised) {
  EXPECT_TRUE(verify(kat_sig, kat_ts, kat_body, kat_id, "01614265330"));
}

TEST_F(WebhookSignature, SignVerifyRoundTrip) {
  const std::string body(10000, 'b');
  const std::string sig = webhook_sign(secret, "evt_42", 1700000000, body);
  EXPECT_EQ(sig.substr(0, 3), "v1,");
  EXPECT_EQ(sig.size(), 3u + 44u);
  EXPECT_TRUE(webhook_verify(secret, "evt_42", "1700000000", sig, body, at(1700000000), tolerance));
}

}  // namespace
}  // namespace rai::crypto
