#include "handlers/source.hpp"

#include <gtest/gtest.h>

#include <string>

#include "crypto/codec.hpp"

namespace rai::handlers {
namespace {

crypto::aes_key key() {
  auto k = crypto::parse_key("0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(k);
  return *k;
}

source_settings good() {
  source_settings s;
  s.name = "default";
  s.keys = {key()};
  return s;
}

TEST(SourceValidate, DefaultsWithAKeyAreFine) {
  EXPECT_EQ(validate(good()), std::nullopt);
}

TEST(SourceValidate, UnencryptedSourceIsFineWhenNotRequired) {
  auto s = good();
  s.keys.clear();
  s.require_encryption = false;
  EXPECT_EQ(validate(s), std::nullopt);
}

TEST(SourceValidate, CbcNeedsApiKeyOrSignature) {
  auto s = good();
  s.mode = crypto::cipher_mode::aes_256_cbc;
  const auto p = validate(s);
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("sources.default"), std::string::npos) << *p;
  EXPECT_NE(p->find("aes-256-cbc"), std::string::npos) << *p;
  EXPECT_NE(p->find("api_keys"), std::string::npos) << *p;
  EXPECT_NE(p->find("signing_secret"), std::string::npos) << *p;

  s.api_keys = {"k"};
  EXPECT_EQ(validate(s), std::nullopt);
  s.api_keys.clear();
  auto secret = crypto::webhook_secret::parse(
      "whsec_" + crypto::base64_encode(crypto::as_bytes("0123456789abcdefghij")));
  ASSERT_TRUE(secret);
  s.signing_secret = *secret;
  EXPECT_EQ(validate(s), std::nullopt);
}

TEST(SourceValidate, RequireEncryptionNeedsKeys) {
  auto s = good();
  s.keys.clear();
  const auto p = validate(s);
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("sources.default"), std::string::npos) << *p;
  EXPECT_NE(p->find("require_encryption"), std::string::npos) << *p;
}

TEST(SourceValidate, EmptyApiKey) {
  auto s = good();
  s.api_keys = {"good-key-value", ""};
  const auto p = validate(s);
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("api_keys"), std::string::npos);
}

TEST(SourceValidate, NameMustBeARouteSegment) {
  for (const char* bad : {"", "a/b", "a b", "caf\xc3\xa9", ".", ".."}) {
    auto s = good();
    s.name = bad;
    EXPECT_TRUE(validate(s)) << bad;
  }
  auto s = good();
  s.name = std::string(129, 'n');
  EXPECT_TRUE(validate(s));
  s.name = std::string(128, 'n');
  EXPECT_EQ(validate(s), std::nullopt);
}

TEST(SourceValidate, IvHeader) {
  for (const char* bad : {"", "X-IV", "x iv", "x:iv"}) {
    auto s = good();
    s.iv_header = bad;
    const auto p = validate(s);
    ASSERT_TRUE(p) << bad;
    EXPECT_NE(p->find("iv_header"), std::string::npos);
  }
}

TEST(SourceValidate, NegativeTolerance) {
  auto s = good();
  s.signature_tolerance = std::chrono::seconds{-1};
  EXPECT_TRUE(validate(s));
}

TEST(SourceValidate, ProblemsNeverContainSecrets) {
  auto s = good();
  s.mode = crypto::cipher_mode::aes_256_cbc;
  s.keys = {key()};
  const auto p1 = validate(s);
  ASSERT_TRUE(p1);
  EXPECT_EQ(p1->find("0123456789abcdef"), std::string::npos);

  s = good();
  s.api_keys = {"super-secret-api-key", ""};
  const auto p2 = validate(s);
  ASSERT_TRUE(p2);
  EXPECT_EQ(p2->find("super-secret"), std::string::npos);
}

}  // namespace
}  // namespace rai::handlers
