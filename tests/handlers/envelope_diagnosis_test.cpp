// The detail of a refusal: envelope_reader::refusal() for every way a body
// cannot be taken apart, and diagnose_envelope's record of the gateway's own
// decryption attempts.

#include "handlers/envelope_diagnosis.hpp"

#include <gtest/gtest.h>

#include "handlers/inbound.hpp"
#include "handlers/outbound_envelope.hpp"
#include "test_support.hpp"

namespace rai::handlers {
namespace {

using crypto::cipher_mode;
using L = envelope_layout;
using E = envelope_encoding;
using F = envelope_fault;
using P = envelope_piece;
using O = attempt_outcome;

constexpr auto gcm = cipher_mode::aes_256_gcm;
constexpr auto cbc = cipher_mode::aes_256_cbc;

source_settings source(cipher_mode m, L l, E e, std::vector<crypto::aes_key> keys) {
  source_settings s;
  s.name = "s";
  s.mode = m;
  s.layout = l;
  s.encoding = e;
  s.keys = std::move(keys);
  return s;
}

envelope_refusal refusal_of(cipher_mode m, L l, E e, std::string_view body,
                            std::optional<std::string_view> iv = std::nullopt) {
  envelope_reader r;
  const auto result = r.read(m, l, e, body, iv);
  EXPECT_EQ(!result, r.refusal().fault != F::none) << body;
  return r.refusal();
}

TEST(EnvelopeRefusal, JsonFaults) {
  EXPECT_EQ(refusal_of(gcm, L::json, E::base64, "[1]").fault, F::not_json_object);
  EXPECT_EQ(refusal_of(gcm, L::json, E::base64, R"({"data":"AA","tag":"AA"})").fault,
            F::missing_iv);
  EXPECT_EQ(refusal_of(gcm, L::json, E::base64, R"({"iv":1,"data":"AA","tag":"AA"})").fault,
            F::missing_iv);
  EXPECT_EQ(refusal_of(gcm, L::json, E::base64, R"({"iv":"AA","tag":"AA"})").fault,
            F::missing_ciphertext);
  EXPECT_EQ(refusal_of(gcm, L::json, E::base64, R"({"iv":"AA","data":"AA"})").fault,
            F::missing_tag);
  EXPECT_EQ(refusal_of(cbc, L::json, E::base64, R"({"iv":"AA","data":"AA"})").fault, F::none);

  const auto mismatch =
      refusal_of(gcm, L::json, E::base64, R"({"iv":"AA","data":"AA","tag":"AA","mode":"CBC"})");
  EXPECT_EQ(mismatch.fault, F::mode_mismatch);
  EXPECT_EQ(mismatch.field, "mode");
  EXPECT_EQ(mismatch.named_mode, cbc);

  // The field chosen by alias preference is the one named.
  const auto ct = refusal_of(gcm, L::json, E::hex,
                             R"({"iv":"00","content":"00","encrypted":"zz","authTag":"00"})");
  EXPECT_EQ(ct.fault, F::bad_encoding);
  EXPECT_EQ(ct.piece, P::ciphertext);
  EXPECT_EQ(ct.field, "encrypted");
  const auto tag = refusal_of(gcm, L::json, E::hex, R"({"iv":"00","data":"00","auth_tag":"0"})");
  EXPECT_EQ(tag.piece, P::tag);
  EXPECT_EQ(tag.field, "auth_tag");
  const auto iv = refusal_of(gcm, L::json, E::base64, R"({"iv":"A!","data":"AA","tag":"AA"})");
  EXPECT_EQ(iv.piece, P::iv);
  EXPECT_EQ(iv.field, "iv");
}

TEST(EnvelopeRefusal, CompactCountsItsParts) {
  for (const auto& [m, body, found] : {std::tuple{gcm, "AA:BB", 2u}, std::tuple{gcm, "A:B:C:D", 4u},
                                       std::tuple{cbc, "A:B:C", 3u}, std::tuple{gcm, "AABB", 1u}}) {
    const auto r = refusal_of(m, L::compact, E::base64, body);
    EXPECT_EQ(r.fault, F::wrong_part_count) << body;
    EXPECT_EQ(r.found, found) << body;
    EXPECT_EQ(r.wanted, m == gcm ? 3u : 2u) << body;
  }
  const auto r = refusal_of(gcm, L::compact, E::hex, "00:0g:00");
  EXPECT_EQ(r.fault, F::bad_encoding);
  EXPECT_EQ(r.piece, P::ciphertext);
}

TEST(EnvelopeRefusal, RawAndHeaderIvLengths) {
  auto r = refusal_of(gcm, L::raw, E::hex, std::string(54, 'a'));  // 27 bytes
  EXPECT_EQ(r.fault, F::too_short);
  EXPECT_EQ(r.found, 27u);
  EXPECT_EQ(r.wanted, 28u);
  r = refusal_of(cbc, L::raw, E::hex, "00ff");
  EXPECT_EQ(r.fault, F::too_short);
  EXPECT_EQ(r.wanted, 16u);
  // auto: the longest reading counts (base64 of 8 characters is 6 bytes, hex 4).
  r = refusal_of(gcm, L::raw, E::auto_detect, "00112233");
  EXPECT_EQ(r.found, 6u);
  EXPECT_EQ(refusal_of(gcm, L::raw, E::hex, "0g").piece, P::body);

  EXPECT_EQ(refusal_of(gcm, L::header_iv, E::hex, "00").fault, F::missing_iv_header);
  r = refusal_of(gcm, L::header_iv, E::hex, "00", "zz");
  EXPECT_EQ(r.fault, F::bad_encoding);
  EXPECT_EQ(r.piece, P::iv);
  r = refusal_of(gcm, L::header_iv, E::hex, "00ff", std::string(24, '0'));
  EXPECT_EQ(r.fault, F::too_short);
  EXPECT_EQ(r.found, 2u);
  EXPECT_EQ(r.wanted, 16u);
}

TEST(EnvelopeRefusal, ClearedBySuccess) {
  envelope_reader r;
  EXPECT_FALSE(r.read(gcm, L::json, E::base64, "[1]", std::nullopt));
  EXPECT_EQ(r.refusal().fault, F::not_json_object);
  EXPECT_TRUE(r.read(cbc, L::compact, E::hex, "00:00", std::nullopt));
  EXPECT_EQ(r.refusal().fault, F::none);
}

TEST(EnvelopeRefusal, AliasTables) {
  EXPECT_EQ(ciphertext_field_names().size(), 5u);
  EXPECT_EQ(ciphertext_field_names().front(), "data");
  EXPECT_EQ(tag_field_names().size(), 3u);
}

constexpr std::string_view plaintext = R"({"id":"e","event":"user-joined"})";

sealed_envelope seal(cipher_mode m, L l, E e, const crypto::aes_key& k, std::string_view pt) {
  auto s = seal_envelope({m, l, e}, k, pt);
  EXPECT_TRUE(s);
  return *s;
}

TEST(EnvelopeDiagnosis, GcmRecordsEachKeyAndStopsAtTheVerifiedTag) {
  const auto right = test::make_key(1), wrong = test::make_key(2), unused = test::make_key(3);
  const auto sealed = seal(gcm, L::compact, E::hex, right, plaintext);
  const auto s = source(gcm, L::auto_detect, E::hex, {wrong, right, unused});
  const auto d = diagnose_envelope(s, sealed.body, std::nullopt);
  EXPECT_EQ(d.layout, L::compact);
  EXPECT_TRUE(d.layout_detected);
  EXPECT_EQ(d.refusal.fault, F::none);
  ASSERT_EQ(d.attempts.size(), 2u);  // the third key is never tried
  EXPECT_EQ(d.attempts[0].outcome, O::auth_failed);
  EXPECT_EQ(d.attempts[0].key, 0u);
  EXPECT_EQ(d.attempts[1].outcome, O::accepted);
  EXPECT_EQ(d.attempts[1].key, 1u);
  EXPECT_EQ(d.attempts[1].iv_bytes, 12u);
  EXPECT_EQ(d.attempts[1].tag_bytes, 16u);
}

TEST(EnvelopeDiagnosis, GcmPlaintextNotAnObject) {
  const auto key = test::make_key(1);
  const auto sealed = seal(gcm, L::json, E::base64, key, "[1]");
  const auto d = diagnose_envelope(source(gcm, L::json, E::base64, {key}), sealed.body, {});
  ASSERT_EQ(d.attempts.size(), 1u);
  EXPECT_EQ(d.attempts[0].outcome, O::not_json_object);
}

TEST(EnvelopeDiagnosis, CbcTriesEveryKey) {
  const auto right = test::make_key(1), wrong = test::make_key(2);
  const auto sealed = seal(cbc, L::json, E::base64, right, plaintext);
  auto d = diagnose_envelope(source(cbc, L::json, E::base64, {right, wrong}), sealed.body, {});
  ASSERT_EQ(d.attempts.size(), 2u);
  EXPECT_EQ(d.attempts[0].outcome, O::accepted);
  // The wrong key: bad padding, or (about once in 256) valid padding and garbage.
  EXPECT_TRUE(d.attempts[1].outcome == O::bad_padding ||
              d.attempts[1].outcome == O::not_json_object);
}

TEST(EnvelopeDiagnosis, LengthFaultsAreNotTried) {
  const auto key = test::make_key(1);
  // CBC compact: a 16-byte IV and a 15-byte ciphertext.
  auto d = diagnose_envelope(source(cbc, L::compact, E::hex, {key}),
                             std::string(32, 'a') + ":" + std::string(30, 'b'), {});
  ASSERT_EQ(d.attempts.size(), 1u);
  EXPECT_EQ(d.attempts[0].outcome, O::bad_ciphertext_length);
  EXPECT_EQ(d.attempts[0].key, std::nullopt);
  EXPECT_EQ(d.attempts[0].ciphertext_bytes, 15u);
  d = diagnose_envelope(source(gcm, L::compact, E::hex, {key}),
                        std::string(20, 'a') + ":00:" + std::string(32, 'c'), {});
  ASSERT_EQ(d.attempts.size(), 1u);
  EXPECT_EQ(d.attempts[0].outcome, O::bad_iv_length);
  d = diagnose_envelope(source(gcm, L::compact, E::hex, {key}),
                        std::string(24, 'a') + ":00:" + std::string(30, 'c'), {});
  EXPECT_EQ(d.attempts[0].outcome, O::bad_tag_length);
}

TEST(EnvelopeDiagnosis, TheBudgetIsTheGateways) {
  const auto right = test::make_key(1), wrong = test::make_key(2);
  const auto sealed = seal(gcm, L::json, E::base64, right, plaintext);
  auto s = source(gcm, L::json, E::base64, {wrong, wrong, right});
  s.max_decrypt_attempts = 2;
  // The gateway refuses it: the right key comes third.
  inbound_request req;
  req.body = sealed.body;
  req.encrypted = "true";
  EXPECT_EQ(process_inbound(s, "user-joined", req).error(), inbound_errc::decrypt_failed);
  const auto d = diagnose_envelope(s, sealed.body, {});
  ASSERT_EQ(d.attempts.size(), 3u);
  EXPECT_EQ(d.attempts[0].outcome, O::auth_failed);
  EXPECT_EQ(d.attempts[1].outcome, O::auth_failed);
  EXPECT_EQ(d.attempts[2].outcome, O::over_budget);
  EXPECT_EQ(d.attempts[2].key, 2u);
}

TEST(EnvelopeDiagnosis, RefusedEnvelopeHasNoAttempts) {
  const auto d = diagnose_envelope(source(gcm, L::auto_detect, E::auto_detect, {test::make_key(1)}),
                                   "AAAA:BBBB", {});
  EXPECT_EQ(d.layout, L::compact);
  EXPECT_EQ(d.refusal.fault, F::wrong_part_count);
  EXPECT_TRUE(d.attempts.empty());
}

}  // namespace
}  // namespace rai::handlers
