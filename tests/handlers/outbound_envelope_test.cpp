#include "handlers/outbound_envelope.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "crypto/codec.hpp"
#include "handlers/inbound.hpp"
#include "test_support.hpp"

namespace rai::handlers {
namespace {

using crypto::cipher_mode;

constexpr auto gcm = cipher_mode::aes_256_gcm;
constexpr auto cbc = cipher_mode::aes_256_cbc;

const crypto::aes_key k1 = test::make_key(1);
const crypto::aes_key k2 = test::make_key(2);
const crypto::aes_key zero_key{};

const std::string payload =
    "{\"event\":\"user.joined\",\"id\":\"cmd-1\",\"user\":{\"name\":\"Zo\xc3\xab\"}} \n";

std::string bytes_from_hex(std::string_view hex) {
  auto r = crypto::hex_decode(hex);
  EXPECT_TRUE(r) << hex;
  return r ? *r : std::string();
}

std::string describe(const result<accepted_event>& r) {
  if (r) return "accepted";
  return std::string(reason(r.error()));
}

// --- settings ---------------------------------------------------------------------------

TEST(SealSettings, DefaultsAreTheSpecDefaultsAndValid) {
  const seal_settings s;
  EXPECT_EQ(s.mode, gcm);
  EXPECT_EQ(s.layout, envelope_layout::json);
  EXPECT_EQ(s.encoding, envelope_encoding::base64);
  EXPECT_EQ(validate(s), std::nullopt);
}

TEST(SealSettings, EverySendableCombinationIsValid) {
  for (const auto mode : {gcm, cbc}) {
    for (const auto layout : {envelope_layout::json, envelope_layout::compact, envelope_layout::raw,
                              envelope_layout::header_iv}) {
      for (const auto enc : {envelope_encoding::base64, envelope_encoding::hex}) {
        EXPECT_EQ(validate(seal_settings{mode, layout, enc}), std::nullopt);
      }
    }
  }
}

TEST(SealSettings, AutoLayoutIsRefused) {
  const seal_settings s{gcm, envelope_layout::auto_detect, envelope_encoding::base64};
  const auto p = validate(s);
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("layout"), std::string::npos) << *p;
  const auto r = seal_envelope(s, k1, payload);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(outbound_errc::invalid_settings));
}

TEST(SealSettings, AutoEncodingIsRefused) {
  const seal_settings s{cbc, envelope_layout::raw, envelope_encoding::auto_detect};
  const auto p = validate(s);
  ASSERT_TRUE(p);
  EXPECT_NE(p->find("encoding"), std::string::npos) << *p;
  const auto r = seal_envelope(s, k1, payload, crypto::as_bytes(std::string(16, 'x')));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(outbound_errc::invalid_settings));
}

TEST(SealSettings, OutOfRangeEnumValuesAreRefused) {
  seal_settings s;
  s.mode = static_cast<cipher_mode>(7);
  EXPECT_TRUE(validate(s));
  s = {};
  s.layout = static_cast<envelope_layout>(42);
  EXPECT_TRUE(validate(s));
  EXPECT_FALSE(seal_envelope(s, k1, payload));
  s = {};
  s.encoding = static_cast<envelope_encoding>(42);
  EXPECT_TRUE(validate(s));
}

TEST(SealEnvelope, ExplicitIvMustMatchTheMode) {
  const seal_settings g{gcm, envelope_layout::json, envelope_encoding::base64};
  const seal_settings c{cbc, envelope_layout::json, envelope_encoding::base64};
  for (const std::size_t n : {0u, 1u, 11u, 13u, 16u, 32u}) {
    const auto r = seal_envelope(g, k1, payload, crypto::as_bytes(std::string(n, 'i')));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error(), make_error_code(outbound_errc::bad_iv_length));
  }
  for (const std::size_t n : {0u, 12u, 15u, 17u}) {
    const auto r = seal_envelope(c, k1, payload, crypto::as_bytes(std::string(n, 'i')));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error(), make_error_code(outbound_errc::bad_iv_length));
  }
  EXPECT_TRUE(seal_envelope(g, k1, payload, crypto::as_bytes(std::string(12, 'i'))));
  EXPECT_TRUE(seal_envelope(c, k1, payload, crypto::as_bytes(std::string(16, 'i'))));
}

// --- known answers (GCM spec test cases 13/14, NIST SP 800-38A F.2.5) ----------------------

const std::string zero_iv12(12, '\0');
const std::string zero_block(16, '\0');

TEST(SealEnvelope, GcmKnownAnswerInEveryLayoutHex) {
  constexpr std::string_view iv = "000000000000000000000000";
  constexpr std::string_view ct = "cea7403d4d606b6e074ec5d3baf39d18";
  constexpr std::string_view tag = "d0d1c8a799996bf0265b98b5d48ab919";
  const auto seal = [&](envelope_layout l) {
    auto r = seal_envelope({gcm, l, envelope_encoding::hex}, zero_key, zero_block,
                           crypto::as_bytes(zero_iv12));
    EXPECT_TRUE(r);
    return r ? *r : sealed_envelope{};
  };
  const auto json = seal(envelope_layout::json);
  EXPECT_EQ(json.body, "{\"iv\":\"" + std::string(iv) + "\",\"data\":\"" + std::string(ct) +
                           "\",\"tag\":\"" + std::string(tag) + "\"}");
  EXPECT_EQ(json.iv_header_value, std::nullopt);
  EXPECT_EQ(seal(envelope_layout::compact).body,
            std::string(iv) + ":" + std::string(ct) + ":" + std::string(tag));
  EXPECT_EQ(seal(envelope_layout::raw).body, std::string(iv) + std::string(ct) + std::string(tag));
  const auto hdr = seal(envelope_layout::header_iv);
  EXPECT_EQ(hdr.body, std::string(ct) + std::string(tag));
  EXPECT_EQ(hdr.iv_header_value, std::string(iv));
}

TEST(SealEnvelope, GcmKnownAnswerBase64IsStandardAndPadded) {
  const auto seal = [&](envelope_layout l) {
    auto r = seal_envelope({gcm, l, envelope_encoding::base64}, zero_key, zero_block,
                           crypto::as_bytes(zero_iv12));
    EXPECT_TRUE(r);
    return r ? *r : sealed_envelope{};
  };
  EXPECT_EQ(seal(envelope_layout::json).body,
            "{\"iv\":\"AAAAAAAAAAAAAAAA\",\"data\":\"zqdAPU1ga24HTsXTuvOdGA==\","
            "\"tag\":\"0NHIp5mZa/AmW5i11Iq5GQ==\"}");
  EXPECT_EQ(seal(envelope_layout::compact).body,
            "AAAAAAAAAAAAAAAA:zqdAPU1ga24HTsXTuvOdGA==:0NHIp5mZa/AmW5i11Iq5GQ==");
  EXPECT_EQ(seal(envelope_layout::raw).body,
            "AAAAAAAAAAAAAAAAzqdAPU1ga24HTsXTuvOdGNDRyKeZmWvwJluYtdSKuRk=");
}

TEST(SealEnvelope, GcmEmptyPlaintextKnownAnswer) {
  const auto r = seal_envelope({gcm, envelope_layout::compact, envelope_encoding::hex}, zero_key,
                               "", crypto::as_bytes(zero_iv12));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "000000000000000000000000::530f8afbc74536b9a963b4f1c4cb738b");
}

TEST(SealEnvelope, CbcKnownAnswerHasNoTag) {
  crypto::aes_key key{};
  const std::string k =
      bytes_from_hex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  std::copy(k.begin(), k.end(), key.begin());
  const std::string iv = bytes_from_hex("000102030405060708090a0b0c0d0e0f");
  const std::string pt = bytes_from_hex("6bc1bee22e409f96e93d7e117393172a");

  const auto json = seal_envelope({cbc, envelope_layout::json, envelope_encoding::hex}, key, pt,
                                  crypto::as_bytes(iv));
  ASSERT_TRUE(json);
  // One full block of PKCS#7 padding follows the NIST block.
  const std::string prefix =
      "{\"iv\":\"000102030405060708090a0b0c0d0e0f\",\"data\":\"f58c4c04d6e5f1ba779eabfb5f7bfbd6";
  ASSERT_EQ(json->body.substr(0, prefix.size()), prefix) << json->body;
  EXPECT_EQ(json->body.size(), prefix.size() + 32 + 2);
  EXPECT_EQ(json->body.substr(json->body.size() - 2), "\"}");
  EXPECT_EQ(json->body.find("tag"), std::string::npos);

  const auto compact = seal_envelope({cbc, envelope_layout::compact, envelope_encoding::hex}, key,
                                     pt, crypto::as_bytes(iv));
  ASSERT_TRUE(compact);
  EXPECT_EQ(std::count(compact->body.begin(), compact->body.end(), ':'), 1) << compact->body;
  EXPECT_EQ(compact->body.substr(0, 33 + 32),
            "000102030405060708090a0b0c0d0e0f:"
            "f58c4c04d6e5f1ba779eabfb5f7bfbd6");
  EXPECT_EQ(compact->body.size(), 32u + 1u + 64u);
}

// --- fresh IVs ---------------------------------------------------------------------------

std::string iv_of(const sealed_envelope& e, envelope_layout layout, envelope_encoding enc,
                  std::size_t iv_size) {
  std::string_view piece;
  switch (layout) {
    case envelope_layout::json:
      piece = std::string_view(e.body).substr(7, e.body.find('"', 7) - 7);
      break;
    case envelope_layout::compact:
      piece = std::string_view(e.body).substr(0, e.body.find(':'));
      break;
    case envelope_layout::header_iv:
      piece = *e.iv_header_value;
      break;
    default: {
      auto all = enc == envelope_encoding::hex ? crypto::hex_decode(e.body)
                                               : crypto::base64_decode(e.body);
      EXPECT_TRUE(all);
      return all ? all->substr(0, iv_size) : std::string();
    }
  }
  auto r = enc == envelope_encoding::hex ? crypto::hex_decode(piece) : crypto::base64_decode(piece);
  EXPECT_TRUE(r) << piece;
  return r ? *r : std::string();
}

TEST(SealEnvelope, EverySealDrawsAFreshIv) {
  for (const auto mode : {gcm, cbc}) {
    const std::size_t iv_size = mode == gcm ? 12 : 16;
    for (const auto layout : {envelope_layout::json, envelope_layout::compact, envelope_layout::raw,
                              envelope_layout::header_iv}) {
      for (const auto enc : {envelope_encoding::base64, envelope_encoding::hex}) {
        std::set<std::string> ivs;
        std::set<std::string> bodies;
        for (int i = 0; i < 50; ++i) {
          const auto r = seal_envelope({mode, layout, enc}, k1, payload);
          ASSERT_TRUE(r);
          const auto iv = iv_of(*r, layout, enc, iv_size);
          EXPECT_EQ(iv.size(), iv_size);
          ivs.insert(iv);
          bodies.insert(r->body);
        }
        EXPECT_EQ(ivs.size(), 50u) << test::mode_name(mode) << " " << test::layout_name(layout);
        // header-iv bodies differ too: a new IV changes the whole ciphertext.
        EXPECT_EQ(bodies.size(), 50u);
      }
    }
  }
}

// --- round trips through the existing inbound pipeline -----------------------------------

struct trip_param {
  cipher_mode mode;
  envelope_layout layout;
  envelope_encoding encoding;
  bool receiver_auto_layout;
  bool receiver_auto_encoding;
};

std::vector<trip_param> trip_params() {
  std::vector<trip_param> out;
  for (const auto mode : {gcm, cbc}) {
    for (const auto layout : {envelope_layout::json, envelope_layout::compact, envelope_layout::raw,
                              envelope_layout::header_iv}) {
      for (const auto enc : {envelope_encoding::base64, envelope_encoding::hex}) {
        for (const bool al : {false, true}) {
          for (const bool ae : {false, true}) out.push_back({mode, layout, enc, al, ae});
        }
      }
    }
  }
  return out;
}

std::string trip_name(const testing::TestParamInfo<trip_param>& info) {
  const auto& p = info.param;
  return std::string(test::mode_name(p.mode)) + "_" + test::layout_name(p.layout) + "_" +
         (p.encoding == envelope_encoding::hex ? "hex" : "b64") +
         (p.receiver_auto_layout ? "_autolayout" : "_fixedlayout") +
         (p.receiver_auto_encoding ? "_autoenc" : "_fixedenc");
}

class SealRoundTrip : public testing::TestWithParam<trip_param> {
 protected:
  source_settings receiver(const crypto::aes_key& key) const {
    const auto& p = GetParam();
    source_settings src;
    src.name = "default";
    src.mode = p.mode;
    src.keys = {key};
    src.api_keys = {"api-key-1"};  // CBC sources must be authenticated
    src.layout = p.receiver_auto_layout ? envelope_layout::auto_detect : p.layout;
    src.encoding = p.receiver_auto_encoding ? envelope_encoding::auto_detect : p.encoding;
    EXPECT_EQ(validate(src), std::nullopt);
    return src;
  }

  static inbound_request request(const sealed_envelope& e) {
    inbound_request r;
    r.body = e.body;
    r.api_key = "api-key-1";
    r.encrypted = "true";
    if (e.iv_header_value) r.iv = *e.iv_header_value;
    r.now = std::chrono::system_clock::time_point{std::chrono::seconds{1'700'000'000}};
    return r;
  }
};

TEST_P(SealRoundTrip, InboundParserRecoversTheExactPlaintext) {
  const auto& p = GetParam();
  const seal_settings s{p.mode, p.layout, p.encoding};
  const auto sealed = seal_envelope(s, k1, payload);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(sealed->iv_header_value.has_value(), p.layout == envelope_layout::header_iv);

  const auto r = process_inbound(receiver(k1), "user-joined", request(*sealed));
  ASSERT_TRUE(r) << describe(r) << " body=" << sealed->body;
  EXPECT_EQ(r->plaintext, payload);
  EXPECT_EQ(r->event, event_kind::user_joined);
  EXPECT_EQ(r->id, "cmd-1");
  EXPECT_EQ(r->auth, p.mode == gcm ? "api-key,gcm" : "api-key,cbc");
}

TEST_P(SealRoundTrip, ReceiverWithAnotherKeyRefuses) {
  const auto& p = GetParam();
  const auto sealed = seal_envelope({p.mode, p.layout, p.encoding}, k1, payload);
  ASSERT_TRUE(sealed);
  const auto r = process_inbound(receiver(k2), "user-joined", request(*sealed));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(inbound_errc::decrypt_failed));
}

TEST_P(SealRoundTrip, OutputIsStrictlyEncoded) {
  const auto& p = GetParam();
  const auto sealed = seal_envelope({p.mode, p.layout, p.encoding}, k1, payload);
  ASSERT_TRUE(sealed);
  std::vector<std::string_view> pieces;
  const std::string_view body = sealed->body;
  switch (p.layout) {
    case envelope_layout::json: {
      ASSERT_EQ(body.substr(0, 7), "{\"iv\":\"");
      EXPECT_EQ(body.find("\"tag\":\"") != std::string_view::npos, p.mode == gcm) << body;
      // Pieces are the quoted values.
      std::size_t pos = 0;
      int quote = 0;
      std::size_t start = 0;
      while ((pos = body.find('"', pos)) != std::string_view::npos) {
        ++quote;
        if (quote % 4 == 3) start = pos + 1;
        if (quote % 4 == 0) pieces.push_back(body.substr(start, pos - start));
        ++pos;
      }
      EXPECT_EQ(pieces.size(), p.mode == gcm ? 3u : 2u) << body;
      break;
    }
    case envelope_layout::compact: {
      std::size_t start = 0;
      std::size_t pos = 0;
      while ((pos = body.find(':', start)) != std::string_view::npos) {
        pieces.push_back(body.substr(start, pos - start));
        start = pos + 1;
      }
      pieces.push_back(body.substr(start));
      EXPECT_EQ(pieces.size(), p.mode == gcm ? 3u : 2u) << body;
      break;
    }
    case envelope_layout::header_iv:
      pieces.push_back(*sealed->iv_header_value);
      pieces.push_back(body);
      break;
    default:
      pieces.push_back(body);
      break;
  }
  for (const auto piece : pieces) {
    ASSERT_FALSE(piece.empty());
    if (p.encoding == envelope_encoding::hex) {
      EXPECT_EQ(piece.size() % 2, 0u);
      for (const char c : piece) {
        EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << piece;
      }
    } else {
      EXPECT_EQ(piece.size() % 4, 0u) << piece;  // padded
      for (const char c : piece) {
        EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/' || c == '=')
            << piece;
      }
      EXPECT_TRUE(crypto::base64_decode(piece)) << piece;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllCombinations, SealRoundTrip, testing::ValuesIn(trip_params()),
                         trip_name);

}  // namespace
}  // namespace rai::handlers
