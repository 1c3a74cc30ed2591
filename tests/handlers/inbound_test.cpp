#include "handlers/inbound.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/hash.hpp"
#include "crypto/webhook_signature.hpp"
#include "handlers/decrypt.hpp"
#include "handlers/envelope.hpp"
#include "handlers/event_id.hpp"
#include "handlers/json_object.hpp"
#include "test_support.hpp"

namespace rai::handlers {
namespace {

using crypto::cipher_mode;
using namespace std::string_view_literals;
using test::style;

constexpr auto gcm = cipher_mode::aes_256_gcm;
constexpr auto cbc = cipher_mode::aes_256_cbc;

const crypto::aes_key k1 = test::make_key(1);
const crypto::aes_key k2 = test::make_key(2);
const crypto::aes_key k3 = test::make_key(3);

const std::chrono::system_clock::time_point fixed_now{std::chrono::seconds{1'700'000'000}};
constexpr std::int64_t fixed_unix = 1'700'000'000;

// Trailing space and non-ASCII on purpose: the bytes must come out unchanged.
const std::string payload =
    "{\"event\":\"user.joined\",\"id\":\"evt_1\",\"user\":{\"name\":\"Zo\xc3\xab\"}} \n";

source_settings make_source(cipher_mode mode = gcm, std::vector<crypto::aes_key> keys = {k1}) {
  source_settings s;
  s.name = "default";
  s.mode = mode;
  s.keys = std::move(keys);
  return s;
}

inbound_request make_request(const test::wire& w) {
  inbound_request r;
  r.body = w.body;
  r.encrypted = "true";
  if (w.iv_header) r.iv = *w.iv_header;
  r.now = fixed_now;
  return r;
}

inbound_request plain_request(std::string_view body) {
  inbound_request r;
  r.body = body;
  r.now = fixed_now;
  return r;
}

std::string describe(const result<accepted_event>& r) {
  if (r) return "accepted";
  return std::string(reason(r.error()));
}

#define EXPECT_REFUSED(expr, code)                                                  \
  do {                                                                              \
    const auto res_ = (expr);                                                       \
    ASSERT_FALSE(res_) << "expected " << #code << ", got accepted";                 \
    EXPECT_EQ(res_.error(), make_error_code(inbound_errc::code)) << describe(res_); \
  } while (0)

// --- every mode x layout x encoding, explicit and auto ---------------------------------

struct round_trip_param {
  cipher_mode mode;
  envelope_layout layout;  // as sent
  style st;                // as sent
  bool auto_layout;        // source configured with layout = auto
  bool auto_encoding;      // source configured with encoding = auto
  std::size_t iv_size;
};

std::vector<round_trip_param> round_trip_params() {
  std::vector<round_trip_param> out;
  for (const auto mode : {gcm, cbc}) {
    for (const auto layout : {envelope_layout::json, envelope_layout::compact, envelope_layout::raw,
                              envelope_layout::header_iv}) {
      for (const auto st : test::all_styles) {
        for (const bool auto_layout : {false, true}) {
          for (const bool auto_encoding : {false, true}) {
            const std::vector<std::size_t> ivs =
                mode == gcm ? std::vector<std::size_t>{12, 16} : std::vector<std::size_t>{16};
            for (const auto iv : ivs) {
              out.push_back({mode, layout, st, auto_layout, auto_encoding, iv});
            }
          }
        }
      }
    }
  }
  return out;
}

std::string round_trip_name(const testing::TestParamInfo<round_trip_param>& info) {
  const auto& p = info.param;
  return std::string(test::mode_name(p.mode)) + "_" + test::layout_name(p.layout) + "_" +
         test::style_name(p.st) + (p.auto_layout ? "_autolayout" : "_fixedlayout") +
         (p.auto_encoding ? "_autoenc" : "_fixedenc") + "_iv" + std::to_string(p.iv_size);
}

class RoundTrip : public testing::TestWithParam<round_trip_param> {};

TEST_P(RoundTrip, DecryptsToTheExactPlaintext) {
  const auto& p = GetParam();
  auto src = make_source(p.mode);
  src.api_keys = {"api-key-1"};  // CBC sources must be authenticated
  src.layout = p.auto_layout ? envelope_layout::auto_detect : p.layout;
  src.encoding = p.auto_encoding            ? envelope_encoding::auto_detect
                 : test::is_hex_style(p.st) ? envelope_encoding::hex
                                            : envelope_encoding::base64;
  ASSERT_EQ(validate(src), std::nullopt);

  const auto sealed = test::seal(p.mode, k1, payload, p.iv_size, 7);
  const auto w = test::make_wire(p.layout, p.st, sealed);
  auto req = make_request(w);
  req.api_key = "api-key-1";
  const auto r = process_inbound(src, std::nullopt, req);
  ASSERT_TRUE(r) << describe(r) << " body=" << w.body;
  EXPECT_EQ(r->plaintext, payload);
  EXPECT_EQ(r->event, event_kind::user_joined);
  EXPECT_EQ(r->id, "evt_1");
  EXPECT_EQ(r->auth, p.mode == gcm ? "api-key,gcm" : "api-key,cbc");
}

INSTANTIATE_TEST_SUITE_P(AllCombinations, RoundTrip, testing::ValuesIn(round_trip_params()),
                         round_trip_name);

// --- envelope details through the whole pipeline ------------------------------------------

TEST(Inbound, EveryCiphertextAndTagAlias) {
  const auto src = make_source(gcm);
  const auto sealed = test::seal(gcm, k1, payload);
  for (const char* ct : {"data", "ciphertext", "encryptedData", "encrypted", "content"}) {
    for (const char* tag : {"tag", "authTag", "auth_tag"}) {
      const auto w = test::make_wire(envelope_layout::json, style::b64, sealed, {ct, tag, {}});
      const auto r = process_inbound(src, std::nullopt, make_request(w));
      ASSERT_TRUE(r) << describe(r) << " " << w.body;
      EXPECT_EQ(r->plaintext, payload);
    }
  }
}

TEST(Inbound, CbcCiphertextAliasesAndIgnoredTag) {
  auto src = make_source(cbc);
  const auto sealed = test::seal(cbc, k1, payload);
  for (const char* ct : {"data", "ciphertext", "encryptedData", "encrypted", "content"}) {
    auto w = test::make_wire(envelope_layout::json, style::hex, sealed, {ct, "tag", {}});
    const auto r = process_inbound(src, std::nullopt, make_request(w));
    ASSERT_TRUE(r) << describe(r) << " " << w.body;
    EXPECT_EQ(r->plaintext, payload);
  }
  const auto w = test::make_wire(envelope_layout::json, style::hex, sealed,
                                 {"data", "tag", "\"tag\":\"garbage!\","});
  EXPECT_TRUE(process_inbound(src, std::nullopt, make_request(w)));
}

TEST(Inbound, HexLookingBase64IsStillReadAsBase64) {
  // Twelve zero bytes encode as "AAAAAAAAAAAAAAAA": even-length hex digits, so the
  // hex reading (8 bytes) is tried first and must give way to the base64 one.
  const auto src = make_source(gcm);
  const auto sealed = test::seal(gcm, k1, payload, std::string(12, '\0'));
  const auto w = test::make_wire(envelope_layout::json, style::b64_nopad, sealed);
  ASSERT_NE(w.body.find("\"AAAAAAAAAAAAAAAA\""), std::string::npos);
  const auto r = process_inbound(src, std::nullopt, make_request(w));
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->plaintext, payload);

  const auto cbc_src = make_source(cbc);
  const auto cbc_sealed = test::seal(cbc, k1, payload, std::string(16, '\0'));
  const auto cw = test::make_wire(envelope_layout::compact, style::b64_url_nopad, cbc_sealed);
  const auto cr = process_inbound(cbc_src, std::nullopt, make_request(cw));
  ASSERT_TRUE(cr) << describe(cr);
  EXPECT_EQ(cr->plaintext, payload);
}

TEST(Inbound, SurroundingWhitespaceInBody) {
  const auto src = make_source(gcm);
  const auto sealed = test::seal(gcm, k1, payload);
  for (const auto layout :
       {envelope_layout::json, envelope_layout::compact, envelope_layout::raw}) {
    auto w = test::make_wire(layout, style::b64, sealed);
    w.body = "\r\n " + w.body + "\n";
    EXPECT_TRUE(process_inbound(src, std::nullopt, make_request(w))) << w.body;
  }
}

TEST(Inbound, LayoutConfiguredButOtherSent) {
  auto src = make_source(gcm);
  src.layout = envelope_layout::json;
  const auto sealed = test::seal(gcm, k1, payload);
  const auto w = test::make_wire(envelope_layout::compact, style::b64, sealed);
  EXPECT_REFUSED(process_inbound(src, std::nullopt, make_request(w)), bad_envelope);
}

// --- decryption failures ------------------------------------------------------------------

TEST(Inbound, TamperedGcmPiecesFail) {
  const auto src = make_source(gcm);
  const auto good = test::seal(gcm, k1, payload);
  for (int piece = 0; piece < 3; ++piece) {
    for (const std::size_t at : {std::size_t{0}, std::size_t{5}}) {
      auto bad = good;
      std::string& target = piece == 0 ? bad.iv : piece == 1 ? bad.ct : bad.tag;
      target = test::flip(target, at, 0x80);
      for (const auto layout : {envelope_layout::json, envelope_layout::compact,
                                envelope_layout::raw, envelope_layout::header_iv}) {
        const auto w = test::make_wire(layout, style::b64, bad);
        EXPECT_REFUSED(process_inbound(src, std::nullopt, make_request(w)), decrypt_failed);
      }
    }
  }
}

TEST(Inbound, TamperedCbcPiecesFail) {
  const auto src = make_source(cbc);
  const auto good = test::seal(cbc, k1, payload);
  // Flipping the IV changes the first plaintext byte ('{'), so the JSON check fails.
  auto bad_iv = good;
  bad_iv.iv = test::flip(bad_iv.iv, 0, 0x40);
  // Flipping the last ciphertext byte garbles the padding block.
  auto bad_ct = good;
  bad_ct.ct = test::flip(bad_ct.ct, bad_ct.ct.size() - 1, 0x5a);
  for (const auto* s : {&bad_iv, &bad_ct}) {
    const auto w = test::make_wire(envelope_layout::json, style::b64, *s);
    EXPECT_REFUSED(process_inbound(src, std::nullopt, make_request(w)), decrypt_failed);
  }
}

TEST(Inbound, WrongKeyFails) {
  for (const auto mode : {gcm, cbc}) {
    const auto src = make_source(mode, {k2, k3});
    const auto w =
        test::make_wire(envelope_layout::json, style::b64, test::seal(mode, k1, payload));
    EXPECT_REFUSED(process_inbound(src, std::nullopt, make_request(w)), decrypt_failed);
  }
}

TEST(Inbound, RotatedKeysEachDecrypt) {
  for (const auto mode : {gcm, cbc}) {
    const auto src = make_source(mode, {k2, k1, k3});
    for (const auto& key : {k1, k2, k3}) {
      const auto w =
          test::make_wire(envelope_layout::compact, style::hex, test::seal(mode, key, payload));
      const auto r = process_inbound(src, std::nullopt, make_request(w));
      ASSERT_TRUE(r) << test::mode_name(mode) << " " << describe(r);
      EXPECT_EQ(r->plaintext, payload);
    }
  }
}

TEST(Inbound, CbcBadPaddingFails) {
  // A 32-byte plaintext ending in 0x00 is never valid PKCS#7. cbc_encrypt appends a
  // full padding block; dropping it leaves ciphertext that decrypts to exactly
  // these 32 bytes.
  std::string bad_padding = "{\"event\":\"user-joined\",\"x\":1}  ";
  bad_padding.resize(31, ' ');
  bad_padding.push_back('\0');
  ASSERT_EQ(bad_padding.size(), 32u);
  auto sealed = test::seal(cbc, k1, bad_padding);
  ASSERT_EQ(sealed.ct.size(), 48u);
  sealed.ct.resize(32);
  const auto src = make_source(cbc);
  const auto w = test::make_wire(envelope_layout::json, style::b64, sealed);
  EXPECT_REFUSED(process_inbound(src, std::nullopt, make_request(w)), decrypt_failed);
}

TEST(Inbound, CbcNonObjectPlaintextIsDecryptFailed) {
  const auto src = make_source(cbc);
  for (const std::string& pt : {std::string("not json"), std::string("[1]"), std::string("\"x\""),
                                std::string("{\"a\":\"\xff\"}"), std::string("")}) {
    const auto w = test::make_wire(envelope_layout::json, style::b64, test::seal(cbc, k1, pt));
    const auto r = process_inbound(src, std::nullopt, make_request(w));
    EXPECT_REFUSED(r, decrypt_failed);
    EXPECT_EQ(http_status(r.error()), 401u);
  }
}

TEST(Inbound, GcmAuthenticatedNonObjectIsNotJsonObject) {
  const auto src = make_source(gcm);
  for (const std::string& pt :
       {std::string("[1]"), std::string("\"x\""), std::string("{\"a\":\"\xff\"}"),
        std::string("{\"a\":\"\xc3\"}"), std::string(""), std::string("{"), std::string("42"),
        std::string("{\"event\":\"user-joined\"} {}")}) {
    const auto w = test::make_wire(envelope_layout::json, style::b64, test::seal(gcm, k1, pt));
    const auto r = process_inbound(src, std::nullopt, make_request(w));
    EXPECT_REFUSED(r, not_json_object);
    EXPECT_EQ(http_status(r.error()), 400u);
  }
}

TEST(Inbound, GcmNonObjectUnderSecondKeyIsStillNotJsonObject) {
  const auto src = make_source(gcm, {k2, k1});
  const auto w = test::make_wire(envelope_layout::json, style::b64, test::seal(gcm, k1, "[1]"));
  EXPECT_REFUSED(process_inbound(src, std::nullopt, make_request(w)), not_json_object);
}

// --- decryption work (issue 13, points 3 and 6) ------------------------------------------

// The readings of `w` as the pipeline takes them apart.
struct read_wire {
  envelope_reader reader;
  explicit read_wire(const source_settings& src, const test::wire& w) {
    const auto r =
        reader.read(src.mode, src.layout, src.encoding, w.body,
                    w.iv_header ? std::optional<std::string_view>(*w.iv_header) : std::nullopt);
    EXPECT_TRUE(r);
  }
};

// CBC: a padding oracle needs some failures to cost more than others. Every
// failure below (bad padding with a JSON text inside, valid padding with bad
// JSON, wrong keys) and the success do the same work: every key tried, every
// decrypted text checked as JSON, whatever the padding.
TEST(InboundDecrypt, CbcEveryAttemptCostsTheSameWork) {
  const auto src = make_source(cbc, {k2, k3, k1});
  // A JSON object of exactly 32 bytes; dropping the padding block cbc_encrypt
  // appends leaves a ciphertext whose text is that object, but whose padding
  // (a final '}') is invalid.
  const std::string object32 = R"({"event":"user-joined","x":"12"})";
  ASSERT_EQ(object32.size(), 32u);
  auto bad_padding = test::seal(cbc, k1, object32);
  bad_padding.ct.resize(32);
  const test::sealed cases[] = {
      test::seal(cbc, k1, payload),                                  // accepted
      bad_padding,                                                   // bad padding, JSON inside
      test::seal(cbc, k1, std::string(4000, 'x')),                   // valid padding, not JSON
      test::seal(cbc, k1, "{\"event\":\"user-joined\",\"x\":[1,2"),  // valid padding, cut JSON
      test::seal(cbc, test::make_key(9), payload),                   // no key fits
  };
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    SCOPED_TRACE(i);
    read_wire rw(src, test::make_wire(envelope_layout::json, style::b64, cases[i]));
    ASSERT_EQ(rw.reader.candidates().size(), 1u);
    std::string plaintext;
    json_fields fields;
    decrypt_work work;
    const auto r = decrypt_readings(src, rw.reader.candidates(), plaintext, fields, &work);
    EXPECT_EQ(static_cast<bool>(r), i == 0);
    if (r) {
      EXPECT_EQ(plaintext, payload);
    } else {
      EXPECT_EQ(r.error(), make_error_code(inbound_errc::decrypt_failed));
    }
    EXPECT_EQ(work.decryptions, 3u);
    EXPECT_EQ(work.json_checks, 3u);
  }
}

// Rotation still works with the constant-work loop: whichever key fits wins,
// and its fields are the ones read even when later keys were tried after it.
TEST(InboundDecrypt, CbcRotationPicksTheFittingKey) {
  const std::string pt = R"({"event":"user-visited","id":"rot-1"})";
  for (const auto& keys :
       {std::vector{k1, k2, k3}, std::vector{k2, k1, k3}, std::vector{k2, k3, k1}}) {
    const auto src = make_source(cbc, keys);
    const auto r = process_inbound(
        src, std::nullopt,
        make_request(test::make_wire(envelope_layout::raw, style::hex, test::seal(cbc, k1, pt))));
    ASSERT_TRUE(r) << describe(r);
    EXPECT_EQ(r->plaintext, pt);
    EXPECT_EQ(r->event, event_kind::user_visited);
    EXPECT_EQ(r->id, "rot-1");
  }
}

// GCM stops at the first tag that verifies: a tag failure is no oracle.
TEST(InboundDecrypt, GcmStopsAtTheFittingKey) {
  const auto src = make_source(gcm, {k2, k1, k3});
  read_wire rw(src,
               test::make_wire(envelope_layout::json, style::b64, test::seal(gcm, k1, payload)));
  std::string plaintext;
  json_fields fields;
  decrypt_work work;
  ASSERT_TRUE(decrypt_readings(src, rw.reader.candidates(), plaintext, fields, &work));
  EXPECT_EQ(work.decryptions, 2u);
  EXPECT_EQ(work.json_checks, 1u);
}

// The work per request is bounded by max_decrypt_attempts (readings × keys):
// a key beyond the cap is never tried.
TEST(InboundDecrypt, AttemptsAreCapped) {
  std::vector<crypto::aes_key> wrong;
  for (std::uint8_t i = 10; i < 19; ++i) wrong.push_back(test::make_key(i));
  for (const auto mode : {gcm, cbc}) {
    SCOPED_TRACE(test::mode_name(mode));
    // Nine wrong keys, then the right one: ten attempts needed.
    auto keys = wrong;
    keys.push_back(k1);
    auto src = make_source(mode, keys);
    const auto w =
        test::make_wire(envelope_layout::json, style::b64, test::seal(mode, k1, payload));
    EXPECT_EQ(src.max_decrypt_attempts, 8u);  // the default
    EXPECT_REFUSED(process_inbound(src, std::nullopt, make_request(w)), decrypt_failed);
    read_wire rw(src, w);
    std::string plaintext;
    json_fields fields;
    decrypt_work work;
    EXPECT_FALSE(decrypt_readings(src, rw.reader.candidates(), plaintext, fields, &work));
    EXPECT_EQ(work.decryptions, 8u);
    src.max_decrypt_attempts = 10;
    EXPECT_TRUE(process_inbound(src, std::nullopt, make_request(w)));
  }
  // Readings count too: a raw GCM body has two (12- and 16-byte IV) per key.
  auto src = make_source(gcm, {k2, k3, k1});
  const auto w =
      test::make_wire(envelope_layout::raw, style::b64, test::seal(gcm, k1, payload, 16));
  src.max_decrypt_attempts = 5;  // (12-byte IV) × 3 keys, then (16-byte IV) × k2, k3
  EXPECT_REFUSED(process_inbound(src, std::nullopt, make_request(w)), decrypt_failed);
  src.max_decrypt_attempts = 6;
  EXPECT_TRUE(process_inbound(src, std::nullopt, make_request(w)));
}

TEST(Inbound, WrongLengthsAreDecryptFailed) {
  const auto gsrc = make_source(gcm);
  const auto csrc = make_source(cbc);
  auto good = test::seal(gcm, k1, payload);

  auto short_iv = good;  // 8-byte IV
  short_iv.iv.resize(8);
  auto short_tag = good;  // 12-byte tag
  short_tag.tag.resize(12);
  for (const auto* s : {&short_iv, &short_tag}) {
    for (const auto layout : {envelope_layout::json, envelope_layout::compact}) {
      const auto w = test::make_wire(layout, style::hex, *s);
      EXPECT_REFUSED(process_inbound(gsrc, std::nullopt, make_request(w)), decrypt_failed);
    }
  }
  // header-iv: a wrong-length IV header.
  auto w = test::make_wire(envelope_layout::header_iv, style::hex, short_iv);
  EXPECT_REFUSED(process_inbound(gsrc, std::nullopt, make_request(w)), decrypt_failed);

  auto cgood = test::seal(cbc, k1, payload);
  auto cbc_iv12 = cgood;
  cbc_iv12.iv.resize(12);
  auto cbc_len = cgood;  // not a multiple of 16
  cbc_len.ct.resize(cbc_len.ct.size() - 3);
  auto cbc_empty = cgood;
  cbc_empty.ct.clear();
  for (const auto* s : {&cbc_iv12, &cbc_len, &cbc_empty}) {
    for (const auto layout : {envelope_layout::json, envelope_layout::compact}) {
      const auto cw = test::make_wire(layout, style::b64, *s);
      const auto r = process_inbound(csrc, std::nullopt, make_request(cw));
      EXPECT_REFUSED(r, decrypt_failed);
      EXPECT_EQ(http_status(r.error()), 401u);
    }
  }
}

TEST(Inbound, ModeMismatchAndMatch) {
  const auto sealed = test::seal(gcm, k1, payload);
  const auto src = make_source(gcm);
  for (const char* extra : {"\"alg\":\"aes-256-gcm\",", "\"alg\":\"AES_256_GCM\",",
                            "\"mode\":\"Aes256-Gcm\",", "\"mode\":\"aes-256_gcm\","}) {
    const auto w =
        test::make_wire(envelope_layout::json, style::b64, sealed, {"data", "tag", extra});
    EXPECT_TRUE(process_inbound(src, std::nullopt, make_request(w))) << extra;
  }
  for (const char* extra : {"\"alg\":\"aes-256-cbc\",", "\"mode\":\"AES_256_CBC\","}) {
    const auto w =
        test::make_wire(envelope_layout::json, style::b64, sealed, {"data", "tag", extra});
    const auto r = process_inbound(src, std::nullopt, make_request(w));
    EXPECT_REFUSED(r, mode_mismatch);
    EXPECT_EQ(http_status(r.error()), 400u);
  }
  const auto csrc = make_source(cbc);
  const auto csealed = test::seal(cbc, k1, payload);
  auto w = test::make_wire(envelope_layout::json, style::b64, csealed,
                           {"data", "tag", "\"alg\":\"AES-256-CBC\","});
  EXPECT_TRUE(process_inbound(csrc, std::nullopt, make_request(w)));
  w = test::make_wire(envelope_layout::json, style::b64, csealed,
                      {"data", "tag", "\"mode\":\"aes-256-gcm\","});
  EXPECT_REFUSED(process_inbound(csrc, std::nullopt, make_request(w)), mode_mismatch);
}

TEST(Inbound, NoDecryptionKey) {
  auto src = make_source(gcm, {});
  src.require_encryption = false;
  const auto w = test::make_wire(envelope_layout::json, style::b64, test::seal(gcm, k1, payload));
  const auto r = process_inbound(src, std::nullopt, make_request(w));
  EXPECT_REFUSED(r, no_decryption_key);
  EXPECT_EQ(http_status(r.error()), 400u);
}

// --- docs/wire-format.md §5: every bad input and its status --------------------------------------

TEST(Inbound, Section5StatusTable) {
  const auto gsrc = make_source(gcm);
  const auto csrc = make_source(cbc);
  const auto g = test::seal(gcm, k1, payload);
  const auto c = test::seal(cbc, k1, payload);
  struct row {
    const char* what;
    const source_settings* src;
    std::string body;
    std::optional<std::string> iv;
    unsigned status;
  };
  auto json = [](const test::sealed& s) {
    return test::make_wire(envelope_layout::json, style::b64, s).body;
  };
  auto g_short_iv = g;
  g_short_iv.iv.resize(8);
  auto g_short_tag = g;
  g_short_tag.tag.resize(15);
  auto g_bad_tag = g;
  g_bad_tag.tag = test::flip(g.tag, 3);
  auto c_len = c;
  c_len.ct.pop_back();
  const std::vector<row> rows = {
      {"json layout but not JSON", &gsrc, "{not json", {}, 400},
      {"json array", &gsrc, "[1]", {}, 400},
      {"missing iv", &gsrc, R"({"data":"AAAA","tag":"AAAA"})", {}, 400},
      {"missing tag", &gsrc, R"({"iv":"AAAA","data":"AAAA"})", {}, 400},
      {"iv not a string", &gsrc, R"({"iv":[],"data":"AAAA","tag":"AAAA"})", {}, 400},
      {"bad encoding", &gsrc, R"({"iv":"A","data":"AAAA","tag":"AAAA"})", {}, 400},
      {"compact wrong parts", &gsrc, "AAAA:AAAA", {}, 400},
      {"raw too short", &gsrc, std::string(36, 'A'), {}, 400},
      {"raw bad encoding", &gsrc, "***", {}, 400},
      {"header-iv tag too short", &gsrc, "AAAA", std::string("AAAAAAAAAAAAAAAA"), 400},
      {"GCM plaintext not object", &gsrc, json(test::seal(gcm, k1, "[]")), {}, 400},
      {"alg mismatch", &gsrc, R"({"alg":"aes-256-cbc","iv":"AA","data":"AA","tag":"AA"})", {}, 400},
      {"wrong IV length", &gsrc, json(g_short_iv), {}, 401},
      {"wrong tag length", &gsrc, json(g_short_tag), {}, 401},
      {"failed tag", &gsrc, json(g_bad_tag), {}, 401},
      {"CBC length", &csrc, json(c_len), {}, 401},
      {"CBC plaintext not object", &csrc, json(test::seal(cbc, k1, "[]")), {}, 401},
  };
  for (const auto& r : rows) {
    inbound_request req;
    req.body = r.body;
    req.encrypted = "true";
    if (r.iv) req.iv = *r.iv;
    req.now = fixed_now;
    const auto res = process_inbound(*r.src, std::nullopt, req);
    ASSERT_FALSE(res) << r.what;
    EXPECT_EQ(http_status(res.error()), r.status) << r.what << ": " << reason(res.error());
  }
}

// --- API key -------------------------------------------------------------------------------

TEST(Inbound, ApiKeyChecks) {
  auto src = make_source(gcm);
  src.api_keys = {"first-key", "second-key"};
  const auto w = test::make_wire(envelope_layout::json, style::b64, test::seal(gcm, k1, payload));

  auto req = make_request(w);
  EXPECT_REFUSED(process_inbound(src, std::nullopt, req), missing_api_key);
  req.api_key = "";
  EXPECT_REFUSED(process_inbound(src, std::nullopt, req), missing_api_key);
  for (const char* bad : {"first-ke", "first-key2", "FIRST-KEY", "second-key ", "x"}) {
    req.api_key = bad;
    const auto r = process_inbound(src, std::nullopt, req);
    EXPECT_REFUSED(r, bad_api_key);
    EXPECT_EQ(http_status(r.error()), 401u);
  }
  for (const char* good : {"first-key", "second-key"}) {
    req.api_key = good;
    const auto r = process_inbound(src, std::nullopt, req);
    ASSERT_TRUE(r) << describe(r);
    EXPECT_EQ(r->auth, "api-key,gcm");
  }
}

TEST(Inbound, ApiKeyIsCheckedBeforeDecryption) {
  auto src = make_source(cbc);
  src.api_keys = {"k"};
  auto req = plain_request("this is not an envelope at all");
  req.encrypted = "true";
  EXPECT_REFUSED(process_inbound(src, std::nullopt, req), missing_api_key);
  req.api_key = "wrong";
  EXPECT_REFUSED(process_inbound(src, std::nullopt, req), bad_api_key);
  // An envelope that parses but does not decrypt.
  const auto w = test::make_wire(envelope_layout::json, style::b64, test::seal(cbc, k2, payload));
  auto req2 = make_request(w);
  req2.api_key = "wrong";
  EXPECT_REFUSED(process_inbound(src, std::nullopt, req2), bad_api_key);
  req2.api_key = "k";
  EXPECT_REFUSED(process_inbound(src, std::nullopt, req2), decrypt_failed);
}

// --- signature -------------------------------------------------------------------------------

crypto::webhook_secret make_secret(std::uint8_t seed) {
  const std::string raw = test::pattern(24, seed);
  auto s = crypto::webhook_secret::parse("whsec_" + test::encode(raw, style::b64));
  EXPECT_TRUE(s);
  return std::move(s).value();
}

struct signed_request {
  test::wire w;
  std::string id = "msg_2Lq";
  std::string ts;
  std::string sig;
  inbound_request req;
};

// Fills the webhook-* headers for `w` signed at `signed_at` (unix seconds).
void sign(signed_request& s, const crypto::webhook_secret& secret, std::int64_t signed_at) {
  s.ts = std::to_string(signed_at);
  s.sig = crypto::webhook_sign(secret, s.id, signed_at, s.w.body);
  s.req = make_request(s.w);
  s.req.webhook_id = s.id;
  s.req.webhook_timestamp = s.ts;
  s.req.webhook_signature = s.sig;
}

TEST(Inbound, SignatureValid) {
  auto src = make_source(gcm);
  src.signing_secret = make_secret(1);
  signed_request s;
  s.w = test::make_wire(envelope_layout::json, style::b64, test::seal(gcm, k1, payload));
  sign(s, *src.signing_secret, fixed_unix - 10);
  const auto r = process_inbound(src, std::nullopt, s.req);
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->auth, "signature,gcm");
  EXPECT_EQ(r->id, "msg_2Lq");  // webhook-id wins over the payload id

  src.api_keys = {"key"};
  s.req.api_key = "key";
  const auto r2 = process_inbound(src, std::nullopt, s.req);
  ASSERT_TRUE(r2) << describe(r2);
  EXPECT_EQ(r2->auth, "api-key,signature,gcm");
}

TEST(Inbound, SignatureFailures) {
  auto src = make_source(gcm);
  src.signing_secret = make_secret(1);
  signed_request s;
  s.w = test::make_wire(envelope_layout::json, style::b64, test::seal(gcm, k1, payload));
  sign(s, *src.signing_secret, fixed_unix);
  ASSERT_TRUE(process_inbound(src, std::nullopt, s.req));

  {  // wrong secret
    signed_request o = s;
    sign(o, make_secret(2), fixed_unix);
    EXPECT_REFUSED(process_inbound(src, std::nullopt, o.req), signature_invalid);
  }
  {  // body changed after signing
    signed_request o;
    o.w = s.w;
    sign(o, *src.signing_secret, fixed_unix);
    const std::string other = o.w.body + " ";
    o.req.body = other;
    EXPECT_REFUSED(process_inbound(src, std::nullopt, o.req), signature_invalid);
  }
  {  // id changed
    auto req = s.req;
    req.webhook_id = "msg_other";
    EXPECT_REFUSED(process_inbound(src, std::nullopt, req), signature_invalid);
  }
  {  // not a timestamp
    auto req = s.req;
    req.webhook_timestamp = "yesterday";
    EXPECT_REFUSED(process_inbound(src, std::nullopt, req), signature_invalid);
  }
  {  // garbage signature list
    auto req = s.req;
    req.webhook_signature = "v1,AAAA v2,zzzz";
    EXPECT_REFUSED(process_inbound(src, std::nullopt, req), signature_invalid);
  }
  // Missing headers, one at a time.
  for (int i = 0; i < 3; ++i) {
    auto req = s.req;
    (i == 0   ? req.webhook_id
     : i == 1 ? req.webhook_timestamp
              : req.webhook_signature) = std::nullopt;
    const auto r = process_inbound(src, std::nullopt, req);
    EXPECT_REFUSED(r, signature_missing);
    EXPECT_EQ(http_status(r.error()), 401u);
  }
  {
    auto req = s.req;
    req.webhook_signature = "";
    EXPECT_REFUSED(process_inbound(src, std::nullopt, req), signature_missing);
  }
}

TEST(Inbound, SignatureTimestampTolerance) {
  auto src = make_source(gcm);
  src.signing_secret = make_secret(1);
  src.signature_tolerance = std::chrono::seconds{300};
  signed_request s;
  s.w = test::make_wire(envelope_layout::json, style::b64, test::seal(gcm, k1, payload));
  for (const std::int64_t skew : {-300, 300, 0}) {
    sign(s, *src.signing_secret, fixed_unix + skew);
    EXPECT_TRUE(process_inbound(src, std::nullopt, s.req)) << skew;
  }
  for (const std::int64_t skew : {-301, 301, -86400, 86400}) {
    sign(s, *src.signing_secret, fixed_unix + skew);
    const auto r = process_inbound(src, std::nullopt, s.req);
    EXPECT_REFUSED(r, timestamp_out_of_tolerance);
    EXPECT_EQ(http_status(r.error()), 401u);
  }
}

TEST(Inbound, SignatureIsCheckedBeforeDecryption) {
  auto src = make_source(cbc);
  src.signing_secret = make_secret(1);
  signed_request s;
  s.w.body = "{\"iv\":\"garbage\"}";  // would be bad_envelope
  sign(s, make_secret(9), fixed_unix);
  EXPECT_REFUSED(process_inbound(src, std::nullopt, s.req), signature_invalid);
  s.req.webhook_signature = std::nullopt;
  EXPECT_REFUSED(process_inbound(src, std::nullopt, s.req), signature_missing);
  sign(s, *src.signing_secret, fixed_unix - 1000);
  EXPECT_REFUSED(process_inbound(src, std::nullopt, s.req), timestamp_out_of_tolerance);
  sign(s, *src.signing_secret, fixed_unix);
  EXPECT_REFUSED(process_inbound(src, std::nullopt, s.req), bad_envelope);
  // The API key comes first of all.
  src.api_keys = {"k"};
  sign(s, make_secret(9), fixed_unix);
  s.req.api_key = "nope";
  EXPECT_REFUSED(process_inbound(src, std::nullopt, s.req), bad_api_key);
}

// --- x-encrypted and plaintext sources ------------------------------------------------------

TEST(Inbound, EncryptedHeaderParsing) {
  const auto src = make_source(gcm);
  const auto w = test::make_wire(envelope_layout::json, style::b64, test::seal(gcm, k1, payload));
  auto req = make_request(w);
  for (const char* yes : {"true", "TRUE", "True", " true ", "\ttRuE\r"}) {
    req.encrypted = yes;
    EXPECT_TRUE(process_inbound(src, std::nullopt, req)) << yes;
  }
  for (const char* no : {"false", "1", "yes", "", "truee", "t rue"}) {
    req.encrypted = no;
    const auto r = process_inbound(src, std::nullopt, req);
    EXPECT_REFUSED(r, encryption_required);
    EXPECT_EQ(http_status(r.error()), 401u);
  }
  req.encrypted = std::nullopt;
  EXPECT_REFUSED(process_inbound(src, std::nullopt, req), encryption_required);
}

TEST(Inbound, PlaintextAcceptedWhenEncryptionNotRequired) {
  auto src = make_source(gcm);
  src.require_encryption = false;
  const auto r = process_inbound(src, std::nullopt, plain_request(payload));
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->plaintext, payload);
  EXPECT_EQ(r->auth, "none");
  // Encrypted requests still work for the same source.
  const auto w = test::make_wire(envelope_layout::json, style::b64, test::seal(gcm, k1, payload));
  const auto r2 = process_inbound(src, std::nullopt, make_request(w));
  ASSERT_TRUE(r2) << describe(r2);
  EXPECT_EQ(r2->auth, "gcm");
}

TEST(Inbound, UnencryptedSource) {
  auto src = make_source(gcm, {});
  src.require_encryption = false;
  const auto r = process_inbound(src, std::nullopt, plain_request(payload));
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->plaintext, payload);
  EXPECT_EQ(r->auth, "none");

  src.api_keys = {"abc"};
  auto req = plain_request(payload);
  req.api_key = "abc";
  const auto r2 = process_inbound(src, std::nullopt, req);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->auth, "api-key");

  for (const char* bad : {"", "[]", "not json", "{\"a\":", "{\"a\":\"\xff\"}", "null"}) {
    req.body = bad;
    const auto r3 = process_inbound(src, std::nullopt, req);
    EXPECT_REFUSED(r3, not_json_object);
    EXPECT_EQ(http_status(r3.error()), 400u);
  }
}

// --- events -------------------------------------------------------------------------------

source_settings open_source() {
  auto s = make_source(gcm, {});
  s.require_encryption = false;
  return s;
}

TEST(InboundEvent, FromPath) {
  const auto src = open_source();
  const std::pair<const char*, event_kind> rows[] = {
      {"user-joined", event_kind::user_joined},
      {"user-visited", event_kind::user_visited},
      {"message-posted", event_kind::message_posted},
      {"channel-message-posted", event_kind::channel_message_posted},
      {"store-item-purchased", event_kind::store_item_purchased},
  };
  for (const auto& [segment, kind] : rows) {
    // The path wins over the payload's own field.
    const auto r = process_inbound(src, segment, plain_request(R"({"event":"user-visited"})"));
    ASSERT_TRUE(r) << segment << " " << describe(r);
    EXPECT_EQ(r->event, kind);
    // And no field is needed.
    EXPECT_TRUE(process_inbound(src, segment, plain_request("{}")));
  }
  for (const char* bad : {"user_joined", "USER-JOINED", "userJoined", "", "nope"}) {
    const auto r = process_inbound(src, bad, plain_request(R"({"event":"user-joined"})"));
    EXPECT_REFUSED(r, unknown_event);
    EXPECT_EQ(http_status(r.error()), 404u);
  }
}

TEST(InboundEvent, UnknownPathEventIsRefusedBeforeTheBodyIsRead) {
  const auto src = open_source();
  // Not even JSON: a 404 for the route wins over a 400 for the body.
  const auto r = process_inbound(src, "nope", plain_request("not json"));
  EXPECT_REFUSED(r, unknown_event);
}

TEST(InboundEvent, FromEveryFieldName) {
  const auto src = open_source();
  for (const char* field : {"event", "eventType", "event_type", "type"}) {
    const std::string body = std::string("{\"") + field + "\":\"store-item-purchased\"}";
    const auto r = process_inbound(src, std::nullopt, plain_request(body));
    ASSERT_TRUE(r) << field << " " << describe(r);
    EXPECT_EQ(r->event, event_kind::store_item_purchased);
  }
}

TEST(InboundEvent, EverySpelling) {
  const auto src = open_source();
  struct row {
    event_kind kind;
    std::vector<const char*> spellings;
  };
  const row rows[] = {
      {event_kind::user_joined,
       {"user-joined", "user_joined", "USER_JOINED", "user.joined", "userJoined", "UserJoined"}},
      {event_kind::user_visited,
       {"user-visited", "user_visited", "USER_VISITED", "user.visited", "userVisited"}},
      {event_kind::message_posted,
       {"message-posted", "message_posted", "MESSAGE_POSTED", "message.posted", "messagePosted"}},
      {event_kind::channel_message_posted,
       {"channel-message-posted", "channel_message_posted", "CHANNEL_MESSAGE_POSTED",
        "channel.message.posted", "channelMessagePosted"}},
      {event_kind::store_item_purchased,
       {"store-item-purchased", "store_item_purchased", "STORE_ITEM_PURCHASED",
        "store.item.purchased", "storeItemPurchased"}},
  };
  for (const auto& r : rows) {
    for (const char* sp : r.spellings) {
      const std::string body = std::string("{\"type\":\"") + sp + "\"}";
      const auto res = process_inbound(src, std::nullopt, plain_request(body));
      ASSERT_TRUE(res) << sp << " " << describe(res);
      EXPECT_EQ(res->event, r.kind) << sp;
    }
  }
}

TEST(InboundEvent, FieldPrecedenceAndTypes) {
  const auto src = open_source();
  struct row {
    const char* body;
    std::optional<event_kind> kind;
    inbound_errc err;
  };
  const row rows[] = {
      {R"({"type":"user-visited","event":"user-joined"})", event_kind::user_joined, {}},
      {R"({"type":"user-visited","event_type":"user-joined"})", event_kind::user_joined, {}},
      {R"({"event_type":"user-visited","eventType":"user-joined"})", event_kind::user_joined, {}},
      {R"({"event":7,"type":"message-posted"})", event_kind::message_posted, {}},
      {R"({"event":{"name":"x"},"eventType":"messagePosted"})", event_kind::message_posted, {}},
      {R"({"data":{"event":"user-joined"}})", std::nullopt, inbound_errc::missing_event_type},
      {R"({})", std::nullopt, inbound_errc::missing_event_type},
      {R"({"event":null})", std::nullopt, inbound_errc::missing_event_type},
      {R"({"event":"purchase"})", std::nullopt, inbound_errc::unknown_event_type},
      {R"({"event":""})", std::nullopt, inbound_errc::unknown_event_type},
      {R"({"event":"foo","type":"user-joined"})", std::nullopt, inbound_errc::unknown_event_type},
  };
  for (const auto& r : rows) {
    const auto res = process_inbound(src, std::nullopt, plain_request(r.body));
    if (r.kind) {
      ASSERT_TRUE(res) << r.body << " " << describe(res);
      EXPECT_EQ(res->event, *r.kind) << r.body;
    } else {
      ASSERT_FALSE(res) << r.body;
      EXPECT_EQ(res.error(), make_error_code(r.err)) << r.body;
      EXPECT_EQ(http_status(res.error()), 422u);
    }
  }
}

// --- event id -------------------------------------------------------------------------------

// The id of `body` accepted from an open source; `webhook_id` is sent as an
// unsigned header.
std::string id_of(std::string_view body, std::optional<std::string_view> webhook_id = {}) {
  const auto src = open_source();
  auto req = plain_request(body);
  req.webhook_id = webhook_id;
  const auto r = process_inbound(src, "user-joined", req);
  EXPECT_TRUE(r) << describe(r);
  return r ? r->id : std::string("<refused>");
}

// The id of `body` accepted from a source with a signing secret, with the
// webhook-id `webhook_id` signed.
std::string signed_id_of(std::string_view body, std::string_view webhook_id) {
  auto src = open_source();
  src.signing_secret = make_secret(1);
  const std::string sig = crypto::webhook_sign(*src.signing_secret, webhook_id, fixed_unix, body);
  const std::string ts = std::to_string(fixed_unix);
  auto req = plain_request(body);
  req.webhook_id = webhook_id;
  req.webhook_timestamp = ts;
  req.webhook_signature = sig;
  const auto r = process_inbound(src, "user-joined", req);
  EXPECT_TRUE(r) << describe(r);
  return r ? r->id : std::string("<refused>");
}

std::string sha_hex(std::string_view s) {
  return crypto::sha256_hex(crypto::as_bytes(s));
}

TEST(InboundEventId, Precedence) {
  const std::string all = R"({"id":"a","_id":"b","eventId":"c","event_id":"d"})";
  EXPECT_EQ(signed_id_of(all, "hdr-webhook"), "hdr-webhook");  // signed: it decides
  EXPECT_EQ(id_of(all, "hdr-webhook"), "a");  // unsigned: never read (issue 13, point 5)
  EXPECT_EQ(id_of(all, ""), "a");
  EXPECT_EQ(id_of(all), "a");
  EXPECT_EQ(id_of(R"({"event_id":"d","eventId":"c","_id":"b"})"), "b");
  EXPECT_EQ(id_of(R"({"event_id":"d","eventId":"c"})"), "c");
  EXPECT_EQ(id_of(R"({"event_id":"d"})"), "d");
  const std::string none = R"({"user":{"id":"nested"}} )";
  EXPECT_EQ(id_of(none), sha_hex(none));
  EXPECT_EQ(id_of(none, "hdr-webhook"), sha_hex(none));
  EXPECT_EQ(signed_id_of(none, "hdr-webhook"), "hdr-webhook");
}

// A captured request replayed with a fresh unsigned webhook-id keeps its
// identity, so dedupe still sees a duplicate.
TEST(InboundEventId, ReplayWithAFreshHeaderKeepsTheId) {
  const std::string body = R"({"event":"user-joined","id":"evt-77"})";
  const std::string hashed = R"({"event":"user-joined"})";
  EXPECT_EQ(id_of(body, "fresh-1"), id_of(body, "fresh-2"));
  EXPECT_EQ(id_of(hashed, "fresh-1"), id_of(hashed, "fresh-2"));
  EXPECT_EQ(id_of(hashed, "fresh-1"), sha_hex(hashed));
}

// With a signing secret but a signature that does not verify, the request is
// refused; the id rule never sees the header.
TEST(InboundEventId, SignedSourceRefusesAnUnverifiedWebhookId) {
  auto src = open_source();
  src.signing_secret = make_secret(1);
  auto req = plain_request(R"({"id":"a"})");
  req.webhook_id = "forged";
  const auto r = process_inbound(src, "user-joined", req);
  ASSERT_FALSE(r);
  EXPECT_EQ(http_status(r.error()), 401u);
}

TEST(InboundEventId, TypesAndEmptyValues) {
  EXPECT_EQ(id_of(R"({"id":"","_id":"b"})"), "b");
  EXPECT_EQ(id_of(R"({"id":42})"), "42");
  EXPECT_EQ(id_of(R"({"id":-7})"), "-7");
  EXPECT_EQ(id_of(R"({"id":0})"), "0");
  EXPECT_EQ(id_of(R"({"id":9223372036854775807})"), "9223372036854775807");
  EXPECT_EQ(id_of(R"({"id":18446744073709551615})"), "18446744073709551615");
  EXPECT_EQ(id_of(R"({"id":1.5,"_id":"b"})"), "b");
  EXPECT_EQ(id_of(R"({"id":1e3,"_id":"b"})"), "b");
  EXPECT_EQ(id_of(R"({"id":true,"_id":"b"})"), "b");
  EXPECT_EQ(id_of(R"({"id":null,"_id":"b"})"), "b");
  EXPECT_EQ(id_of(R"({"id":{"x":1},"_id":"b"})"), "b");
  EXPECT_EQ(id_of(R"({"id":["a"],"eventId":17})"), "17");
  const std::string only_bad = R"({"id":false,"_id":"","eventId":2.5,"event_id":[]})";
  EXPECT_EQ(id_of(only_bad), sha_hex(only_bad));
  // First occurrence of a duplicated key.
  EXPECT_EQ(id_of(R"({"id":"first","id":"second"})"), "first");
  // Escapes are decoded.
  EXPECT_EQ(id_of(R"({"id":"a\"b\u00e9"})"), "a\"b\xc3\xa9");
}

// Integers wider than 64 bits (issue 13, point 12): the id is the number as
// written, and the same whatever else in the payload sends it down the strict
// reader.
TEST(InboundEventId, BigIntegerIds) {
  EXPECT_EQ(id_of(R"({"id":12345678901234567890123})"), "12345678901234567890123");
  EXPECT_EQ(id_of(R"({"id":-12345678901234567890123})"), "-12345678901234567890123");
  EXPECT_EQ(id_of(R"({"id":18446744073709551616})"), "18446744073709551616");
  EXPECT_EQ(id_of(R"({"id":42,"n":12345678901234567890123})"), "42");
  EXPECT_EQ(id_of(R"({"id":1.5,"_id":99999999999999999999999})"), "99999999999999999999999");
  EXPECT_EQ(id_of(R"({"id":1e400,"_id":"b"})"), "b");
  EXPECT_EQ(id_of(R"({"id":-0})"), "0");
  EXPECT_EQ(id_of(R"({"id":-0,"n":1e400})"), "0");
  EXPECT_EQ(id_of(R"({"id":"a\u00e9","n":1e400})"), "a\xc3\xa9");
}

TEST(InboundEventId, LongIdsAreHashed) {
  const std::string id200(200, 'x');
  const std::string id201(201, 'x');
  EXPECT_EQ(signed_id_of("{}", id200), id200);
  EXPECT_EQ(signed_id_of("{}", id201), "sha256:" + sha_hex(id201));
  EXPECT_EQ(id_of("{\"id\":\"" + id201 + "\"}"), "sha256:" + sha_hex(id201));
  EXPECT_EQ(id_of("{\"id\":\"" + id200 + "\"}"), id200);
  EXPECT_EQ(finish_event_id(id201).size(), 7u + 64u);
  EXPECT_EQ(finish_event_id("abc"), "abc");
}

// Ids reach the spool record, the AMQP message_id and the logs: anything but
// printable UTF-8 is replaced by its hash (issue 13, point 11).
TEST(InboundEventId, UnprintableIdsAreHashed) {
  const auto hashed = [](std::string_view id) { return "sha256:" + sha_hex(id); };
  for (const std::string_view ok :
       {"evt-1"sv, "a b"sv, "caf\xc3\xa9"sv, "\xc2\xa0nbsp"sv, "\xf0\x9f\x8e\x89"sv,
        "\xef\xbf\xbf"sv, "~"sv, "\xe2\x80\xae"sv}) {
    EXPECT_EQ(finish_event_id(ok), ok);
  }
  for (const std::string_view bad :
       {"\xf5"sv,
        "a\xf5"
        "b"sv,
        "\xc3"sv, "\xc3\x28"sv, "\xed\xa0\x80"sv, "\xc0\xaf"sv, "\xf4\x90\x80\x80"sv, "a\nb"sv,
        "a\rb"sv, "\x1b[31m"sv, "a\x7f"sv, "\xc2\x9b"sv, "\xc2\x80"sv, "\xc2\x9f"sv,
        std::string_view("a\0b", 3)}) {
    EXPECT_EQ(finish_event_id(bad), hashed(bad)) << bad;
  }
  // Through the pipeline: a payload id with an escaped control character,
  // and a signed webhook-id with a raw 0xF5 byte.
  EXPECT_EQ(id_of(R"({"id":"line\nbreak"})"), hashed("line\nbreak"));
  EXPECT_EQ(id_of(R"({"id":"\u009b2J"})"), hashed("\xc2\x9b"
                                                  "2J"));
  EXPECT_EQ(signed_id_of("{}", "evt\xf5"), hashed("evt\xf5"));
}

TEST(InboundEventId, FallbackHashesTheExactPlaintext) {
  const auto src = make_source(gcm);
  const std::string pt = "{ \"event\" : \"user-joined\" }";
  const auto w = test::make_wire(envelope_layout::json, style::b64, test::seal(gcm, k1, pt));
  const auto r = process_inbound(src, std::nullopt, make_request(w));
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->id, sha_hex(pt));
  EXPECT_EQ(r->id.size(), 64u);
}

// --- reuse of thread-local state ------------------------------------------------------------

TEST(Inbound, ManyRequestsOnOneThreadStayIndependent) {
  const auto src = make_source(gcm);
  std::string big = "{\"event\":\"user-joined\",\"pad\":\"" + std::string(100000, 'p') + "\"}";
  const std::string small = R"({"event":"user-visited","id":"s"})";
  for (int i = 0; i < 4; ++i) {
    const std::string& pt = i % 2 == 0 ? big : small;
    const auto w = test::make_wire(i % 2 == 0 ? envelope_layout::raw : envelope_layout::json,
                                   style::b64, test::seal(gcm, k1, pt));
    const auto r = process_inbound(src, std::nullopt, make_request(w));
    ASSERT_TRUE(r) << describe(r);
    EXPECT_EQ(r->plaintext, pt);
    EXPECT_EQ(r->event, i % 2 == 0 ? event_kind::user_joined : event_kind::user_visited);
  }
}

// --- robustness ----------------------------------------------------------------------------

// Mutated envelopes and random bytes under every layout: always a clean 400/401
// (or, rarely, an accepted event), never a crash. Meant to be run under sanitizers.
TEST(Inbound, MutatedInputsAreRefusedCleanly) {
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  for (const auto mode : {gcm, cbc}) {
    for (const auto layout : {envelope_layout::json, envelope_layout::compact, envelope_layout::raw,
                              envelope_layout::header_iv}) {
      auto src = make_source(mode, {k2, k1});
      const auto w = test::make_wire(layout, style::b64, test::seal(mode, k1, payload));
      for (int i = 0; i < 300; ++i) {
        test::wire m = w;
        const int edits = 1 + static_cast<int>(next() % 4);
        for (int e = 0; e < edits && !m.body.empty(); ++e) {
          const std::size_t at = next() % m.body.size();
          switch (next() % 3) {
            case 0:
              m.body[at] = static_cast<char>(next());
              break;
            case 1:
              m.body.erase(at, 1 + next() % 8);
              break;
            default:
              m.body.insert(at, 1, static_cast<char>(next() % 2 ? ':' : '{'));
              break;
          }
        }
        for (const auto configured : {envelope_layout::auto_detect, layout}) {
          src.layout = configured;
          const auto r = process_inbound(src, "user-joined", make_request(m));
          if (!r) {
            const unsigned st = http_status(r.error());
            EXPECT_TRUE(st == 400 || st == 401) << reason(r.error());
          } else if (mode == gcm) {
            // GCM is authenticated: anything accepted is the original. (CBC is
            // malleable: an edited IV edits the first block, which is why CBC
            // sources must have an API key or a signature.)
            EXPECT_EQ(r->plaintext, payload);
          }
        }
      }
      for (int i = 0; i < 200; ++i) {
        std::string junk(next() % 200, '\0');
        for (auto& c : junk) c = static_cast<char>(next());
        test::wire m{junk, i % 2 ? std::optional<std::string>(junk.substr(0, 16)) : std::nullopt};
        const auto r = process_inbound(src, std::nullopt, make_request(m));
        ASSERT_FALSE(r);
        const unsigned st = http_status(r.error());
        EXPECT_TRUE(st == 400 || st == 401) << reason(r.error());
      }
    }
  }
}

// --- the checks the headers alone decide ----------------------------------------------------

// The error check_inbound_headers gives, or "passed".
std::string header_verdict(const source_settings& src, const inbound_request& req) {
  const auto r = check_inbound_headers(src, req);
  return r ? "passed" : std::string(reason(r.error()));
}

TEST(InboundHeaders, ApiKeySignatureHeadersAndEncryptedInOrder) {
  auto src = make_source(cbc);
  src.api_keys = {"first-key", "second-key"};
  src.signing_secret = make_secret(1);
  inbound_request req;  // no body at all: the header check never reads it
  req.now = fixed_now;
  EXPECT_EQ(header_verdict(src, req), "missing_api_key");
  req.api_key = "";
  EXPECT_EQ(header_verdict(src, req), "missing_api_key");
  req.api_key = "first-kez";
  EXPECT_EQ(header_verdict(src, req), "bad_api_key");
  req.api_key = "second-key";
  EXPECT_EQ(header_verdict(src, req), "signature_missing");
  req.webhook_id = "msg_1";
  req.webhook_timestamp = "1700000000";
  EXPECT_EQ(header_verdict(src, req), "signature_missing");
  req.webhook_signature = "";
  EXPECT_EQ(header_verdict(src, req), "signature_missing");
  req.webhook_signature = "v1,not-checked-here";  // verifying needs the body
  EXPECT_EQ(header_verdict(src, req), "encryption_required");
  req.encrypted = "false";
  EXPECT_EQ(header_verdict(src, req), "encryption_required");
  req.encrypted = " TRUE ";
  EXPECT_EQ(header_verdict(src, req), "passed");
}

TEST(InboundHeaders, NothingConfiguredNothingRequired) {
  auto src = make_source(gcm, {});
  src.require_encryption = false;
  inbound_request req;
  EXPECT_EQ(header_verdict(src, req), "passed");
  req.encrypted = "true";  // no key to decrypt with: the body phase refuses it
  EXPECT_EQ(header_verdict(src, req), "passed");
  EXPECT_EQ(describe(process_inbound(src, std::nullopt, req)), "no_decryption_key");
}

TEST(InboundHeaders, ProcessInboundRefusesWhatTheHeaderCheckRefuses) {
  // One owner: every verdict of the header check is the pipeline's verdict.
  auto src = make_source(gcm);
  src.api_keys = {"k"};
  src.signing_secret = make_secret(1);
  signed_request s;
  s.w = test::make_wire(envelope_layout::json, style::b64, test::seal(gcm, k1, payload));
  sign(s, *src.signing_secret, fixed_unix);
  s.req.api_key = "k";
  ASSERT_EQ(header_verdict(src, s.req), "passed");
  ASSERT_TRUE(process_inbound(src, std::nullopt, s.req));
  for (int i = 0; i < 4; ++i) {
    auto req = s.req;
    if (i == 0) req.api_key = "x";
    if (i == 1) req.webhook_timestamp = std::nullopt;
    if (i == 2) req.encrypted = std::nullopt;
    if (i == 3) req.api_key = std::nullopt;
    const std::string verdict = header_verdict(src, req);
    EXPECT_NE(verdict, "passed") << i;
    EXPECT_EQ(describe(process_inbound(src, std::nullopt, req)), verdict) << i;
  }
}

}  // namespace
}  // namespace rai::handlers
