// encrypt (handlers::seal_envelope, as `encrypt` uses it) -> decrypt_like_gateway
// for every mode x layout x encoding, and the precise causes of refusals.

#include "tools/decrypt.hpp"

#include <gtest/gtest.h>

#include "crypto/codec.hpp"
#include "handlers/outbound_envelope.hpp"

namespace rai::tool {
namespace {

using crypto::cipher_mode;
using handlers::envelope_encoding;
using handlers::envelope_layout;

constexpr std::string_view plaintext = R"({"id":"evt-1","event":"user-joined","n":1.50})";

crypto::aes_key key_of(std::string_view text) {
  return *crypto::parse_key(text);
}
const crypto::aes_key key = key_of("0123456789abcdef0123456789abcdef");
const crypto::aes_key other_key = key_of("fedcba9876543210fedcba9876543210");

cipher_profile profile(cipher_mode m, envelope_layout l, envelope_encoding e) {
  cipher_profile p;
  p.mode = m;
  p.layout = l;
  p.encoding = e;
  p.keys = {key};
  return p;
}

handlers::sealed_envelope seal(cipher_mode m, envelope_layout l, envelope_encoding e,
                               const crypto::aes_key& k = key) {
  const std::string iv(m == cipher_mode::aes_256_gcm ? 12 : 16, '\x07');
  auto s = handlers::seal_envelope({m, l, e}, k, plaintext, crypto::as_bytes(iv));
  EXPECT_TRUE(s);
  return *s;
}

std::optional<std::string_view> iv_of(const handlers::sealed_envelope& s) {
  if (!s.iv_header_value) return std::nullopt;
  return std::string_view(*s.iv_header_value);
}

TEST(DecryptCheck, RoundTripEveryModeLayoutEncoding) {
  for (const auto m : {cipher_mode::aes_256_gcm, cipher_mode::aes_256_cbc}) {
    for (const auto l : {envelope_layout::json, envelope_layout::compact, envelope_layout::raw,
                         envelope_layout::header_iv}) {
      for (const auto e : {envelope_encoding::base64, envelope_encoding::hex}) {
        const auto sealed = seal(m, l, e);
        for (const auto& [dl, de] : {std::pair{l, e}, std::pair{envelope_layout::auto_detect,
                                                                envelope_encoding::auto_detect}}) {
          const auto v = decrypt_like_gateway(profile(m, dl, de), sealed.body, iv_of(sealed));
          ASSERT_TRUE(v.accepted) << sealed.body << " -> " << v.explanation;
          EXPECT_EQ(v.plaintext, plaintext);
        }
      }
    }
  }
}

TEST(DecryptCheck, RotationTriesEveryKey) {
  const auto sealed =
      seal(cipher_mode::aes_256_gcm, envelope_layout::json, envelope_encoding::base64);
  auto p = profile(cipher_mode::aes_256_gcm, envelope_layout::auto_detect,
                   envelope_encoding::auto_detect);
  p.keys = {other_key, key};
  EXPECT_TRUE(decrypt_like_gateway(p, sealed.body, std::nullopt).accepted);
}

TEST(DecryptCheck, BadTag) {
  const auto sealed =
      seal(cipher_mode::aes_256_gcm, envelope_layout::compact, envelope_encoding::hex);
  std::string body = sealed.body;
  body.back() = body.back() == '0' ? '1' : '0';  // the last hex digit of the tag
  const auto v = decrypt_like_gateway(
      profile(cipher_mode::aes_256_gcm, envelope_layout::compact, envelope_encoding::hex), body,
      std::nullopt);
  ASSERT_FALSE(v.accepted);
  EXPECT_EQ(v.http_status, 401u);
  EXPECT_EQ(v.reason, "decrypt_failed");
  EXPECT_TRUE(v.explanation.starts_with("bad tag:")) << v.explanation;
}

TEST(DecryptCheck, BadPaddingWithTheWrongKey) {
  const auto sealed =
      seal(cipher_mode::aes_256_cbc, envelope_layout::json, envelope_encoding::base64, other_key);
  const auto v = decrypt_like_gateway(
      profile(cipher_mode::aes_256_cbc, envelope_layout::json, envelope_encoding::base64),
      sealed.body, std::nullopt);
  ASSERT_FALSE(v.accepted);
  EXPECT_EQ(v.http_status, 401u);
  EXPECT_TRUE(v.explanation.starts_with("bad padding:")) << v.explanation;
}

TEST(DecryptCheck, BadLengths) {
  auto p = profile(cipher_mode::aes_256_cbc, envelope_layout::compact, envelope_encoding::hex);
  auto v = decrypt_like_gateway(p, std::string(32, 'a') + ":" + std::string(30, 'b'), std::nullopt);
  EXPECT_TRUE(v.explanation.starts_with("bad ciphertext length: 15 bytes")) << v.explanation;
  p.mode = cipher_mode::aes_256_gcm;
  v = decrypt_like_gateway(p, std::string(20, 'a') + ":00:" + std::string(32, 'c'), std::nullopt);
  EXPECT_TRUE(v.explanation.starts_with("bad IV length: 10 bytes")) << v.explanation;
  v = decrypt_like_gateway(p, std::string(24, 'a') + ":00:" + std::string(30, 'c'), std::nullopt);
  EXPECT_TRUE(v.explanation.starts_with("bad tag length: 15 bytes")) << v.explanation;
}

TEST(DecryptCheck, BadLayouts) {
  const auto gcm_json =
      profile(cipher_mode::aes_256_gcm, envelope_layout::json, envelope_encoding::base64);
  struct row {
    cipher_profile p;
    std::string body;
    std::optional<std::string_view> iv;
    std::string_view expect;
  };
  const row rows[] = {
      {gcm_json, "[1,2]", {}, "bad layout (json): the body is not a JSON object"},
      {gcm_json, R"({"data":"AAAA","tag":"AAAA"})", {}, "bad layout (json): no \"iv\" field"},
      {gcm_json, R"({"iv":"AAAA","tag":"AAAA"})", {}, "bad layout (json): no ciphertext field"},
      {gcm_json, R"({"iv":"AAAA","data":"AAAA"})", {}, "bad layout (json): no tag field"},
      {gcm_json,
       R"({"iv":"A!AA","data":"AAAA","tag":"AAAA"})",
       {},
       "bad layout (json): \"iv\" is not valid base64"},
      {gcm_json,
       R"({"iv":"AAAA","encryptedData":"A!AA","tag":"AAAA"})",
       {},
       "bad layout (json): the ciphertext (\"encryptedData\") is not valid base64"},
      {gcm_json,
       R"({"iv":"AAAA","data":"AAAA","tag":"AAAA","alg":"aes-256-cbc"})",
       {},
       "bad layout (json): its \"alg\" field names aes-256-cbc"},
      {profile(cipher_mode::aes_256_gcm, envelope_layout::auto_detect,
               envelope_encoding::auto_detect),
       "AAAA:BBBB",
       {},
       "bad layout (compact, auto-detected): expected iv:ciphertext:tag"},
      {profile(cipher_mode::aes_256_gcm, envelope_layout::raw, envelope_encoding::hex),
       "00ff",
       {},
       "bad layout (raw): the body decodes to 2 bytes, fewer than IV (12) + tag (16)"},
      {profile(cipher_mode::aes_256_gcm, envelope_layout::raw, envelope_encoding::hex),
       "0g",
       {},
       "bad layout (raw): the body is not valid hex"},
      {profile(cipher_mode::aes_256_gcm, envelope_layout::header_iv, envelope_encoding::base64),
       "AAAA",
       {},
       "bad layout (header-iv): no IV"},
  };
  for (const auto& r : rows) {
    const auto v = decrypt_like_gateway(r.p, r.body, r.iv);
    ASSERT_FALSE(v.accepted) << r.body;
    EXPECT_EQ(v.http_status, 400u) << r.body;
    EXPECT_TRUE(v.explanation.starts_with(r.expect)) << r.body << " -> " << v.explanation;
  }
}

// The gateway gives up after max_decrypt_attempts (8 by default): a right key
// in tenth place is never tried, and the explanation says so.
TEST(DecryptCheck, NamesTheAttemptsTheGatewayWouldNotMake) {
  const auto sealed =
      seal(cipher_mode::aes_256_gcm, envelope_layout::json, envelope_encoding::base64);
  auto p = profile(cipher_mode::aes_256_gcm, envelope_layout::json, envelope_encoding::base64);
  p.keys.assign(9, other_key);
  p.keys.push_back(key);
  const auto v = decrypt_like_gateway(p, sealed.body, std::nullopt);
  ASSERT_FALSE(v.accepted);
  EXPECT_EQ(v.http_status, 401u);
  EXPECT_TRUE(v.explanation.starts_with("bad tag: GCM authentication failed with 8 of the 10 keys"))
      << v.explanation;
  EXPECT_NE(v.explanation.find("2 more attempts"), std::string::npos) << v.explanation;
}

TEST(DecryptCheck, GcmPlaintextNotAnObject) {
  const std::string iv(12, '\x01');
  const auto sealed = handlers::seal_envelope(
      {cipher_mode::aes_256_gcm, envelope_layout::json, envelope_encoding::base64}, key, "[1]",
      crypto::as_bytes(iv));
  ASSERT_TRUE(sealed);
  const auto v = decrypt_like_gateway(
      profile(cipher_mode::aes_256_gcm, envelope_layout::json, envelope_encoding::base64),
      sealed->body, std::nullopt);
  EXPECT_EQ(v.http_status, 400u);
  EXPECT_TRUE(v.explanation.starts_with("bad plaintext:")) << v.explanation;
}

}  // namespace
}  // namespace rai::tool
