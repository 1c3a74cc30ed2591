#include "handlers/envelope.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_support.hpp"

namespace rai::handlers {
namespace {

using crypto::as_chars;
using crypto::cipher_mode;
using test::encode;
using test::style;

constexpr auto gcm = cipher_mode::aes_256_gcm;
constexpr auto cbc = cipher_mode::aes_256_cbc;

std::string chars(crypto::bytes_view b) {
  return std::string(as_chars(b));
}

// --- detail codecs -----------------------------------------------------------

std::optional<std::string> hex(std::string_view in) {
  std::string out = "prefix";
  if (!detail::hex_decode_append(in, out)) {
    EXPECT_EQ(out, "prefix") << "failed decode must restore the buffer";
    return std::nullopt;
  }
  EXPECT_EQ(out.substr(0, 6), "prefix");
  return out.substr(6);
}

std::optional<std::string> b64(std::string_view in) {
  std::string out = "prefix";
  if (!detail::base64_decode_append(in, out)) {
    EXPECT_EQ(out, "prefix") << "failed decode must restore the buffer";
    return std::nullopt;
  }
  EXPECT_EQ(out.substr(0, 6), "prefix");
  return out.substr(6);
}

TEST(HexDecode, DecodesEitherCase) {
  EXPECT_EQ(hex(""), std::string());
  EXPECT_EQ(hex("00ff10"), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(hex("ABcdEf"), std::string("\xab\xcd\xef"));
}

TEST(HexDecode, RejectsOddLengthAndNonHex) {
  EXPECT_EQ(hex("abc"), std::nullopt);
  EXPECT_EQ(hex("zz"), std::nullopt);
  EXPECT_EQ(hex("0g"), std::nullopt);
  EXPECT_EQ(hex("00 1"), std::nullopt);
}

TEST(Base64Decode, StandardAndUrlSafePaddedOrNot) {
  EXPECT_EQ(b64(""), std::string());
  EXPECT_EQ(b64("Zg=="), "f");
  EXPECT_EQ(b64("Zg"), "f");
  EXPECT_EQ(b64("Zm8="), "fo");
  EXPECT_EQ(b64("Zm8"), "fo");
  EXPECT_EQ(b64("Zm9v"), "foo");
  EXPECT_EQ(b64("Zm9vYmFy"), "foobar");
  EXPECT_EQ(b64("+/+/"), std::string("\xfb\xff\xbf"));
  EXPECT_EQ(b64("-_-_"), std::string("\xfb\xff\xbf"));
  EXPECT_EQ(b64("+_-/"), std::string("\xfb\xff\xbf"));  // mixed alphabets accepted
}

TEST(Base64Decode, MatchesCryptoEncoderForAllLengths) {
  for (std::size_t n = 0; n < 70; ++n) {
    const std::string bytes = test::pattern(n, static_cast<std::uint8_t>(n));
    for (const style s : {style::b64, style::b64_nopad, style::b64_url, style::b64_url_nopad}) {
      EXPECT_EQ(b64(encode(bytes, s)), bytes) << n << " " << test::style_name(s);
    }
  }
}

TEST(Base64Decode, SkipsLineBreaks) {
  EXPECT_EQ(b64("Zm9v\r\nYmFy\n"), "foobar");
  EXPECT_EQ(b64(" Zm 9v "), "foo");
}

TEST(Base64Decode, RejectsMalformedInput) {
  EXPECT_EQ(b64("Z"), std::nullopt);         // 1 char in the last quantum
  EXPECT_EQ(b64("Zm9vY"), std::nullopt);     // same
  EXPECT_EQ(b64("Zg="), std::nullopt);       // wrong padding count
  EXPECT_EQ(b64("Zm8=="), std::nullopt);     // too much padding
  EXPECT_EQ(b64("Zg==="), std::nullopt);     // too much padding
  EXPECT_EQ(b64("Zg==Zg=="), std::nullopt);  // data after padding
  EXPECT_EQ(b64("Zm9v="), std::nullopt);     // padding on a full quantum
  EXPECT_EQ(b64("Zh=="), std::nullopt);      // non-zero trailing bits
  EXPECT_EQ(b64("Zm9="), std::nullopt);      // non-zero trailing bits
  EXPECT_EQ(b64("Zm9v!"), std::nullopt);
  EXPECT_EQ(b64("Zm9v:"), std::nullopt);
  EXPECT_EQ(b64("Zm\x80v"), std::nullopt);
}

TEST(LooksHex, OnlyEvenRunsOfHexDigits) {
  EXPECT_TRUE(detail::looks_hex("00"));
  EXPECT_TRUE(detail::looks_hex("deadBEEF"));
  EXPECT_FALSE(detail::looks_hex(""));
  EXPECT_FALSE(detail::looks_hex("abc"));
  EXPECT_FALSE(detail::looks_hex("abcg"));
  EXPECT_FALSE(detail::looks_hex("ab=="));
}

TEST(Trim, AsciiWhitespace) {
  EXPECT_EQ(detail::trim("  a b \r\n\t"), "a b");
  EXPECT_EQ(detail::trim(" \n "), "");
  EXPECT_EQ(detail::trim("x"), "x");
}

// --- layout detection ----------------------------------------------------------

TEST(DetectLayout, FollowsWireFormatOrder) {
  EXPECT_EQ(detect_layout("{\"iv\":1}", false), envelope_layout::json);
  EXPECT_EQ(detect_layout(" \r\n\t{", false), envelope_layout::json);
  EXPECT_EQ(detect_layout("{\"iv\":1}", true), envelope_layout::header_iv);
  EXPECT_EQ(detect_layout("abcd", true), envelope_layout::header_iv);
  EXPECT_EQ(detect_layout("aa:bb", false), envelope_layout::compact);
  EXPECT_EQ(detect_layout("aa:bb:cc", false), envelope_layout::compact);
  EXPECT_EQ(detect_layout("aabb", false), envelope_layout::raw);
  EXPECT_EQ(detect_layout("", false), envelope_layout::raw);
  EXPECT_EQ(detect_layout("[1]", false), envelope_layout::raw);
}

// --- reader ---------------------------------------------------------------------

result<void> read(envelope_reader& r, cipher_mode mode, envelope_layout layout,
                  envelope_encoding enc, std::string_view body,
                  std::optional<std::string_view> iv = std::nullopt) {
  return r.read(mode, layout, enc, body, iv);
}

bool has_candidate(const envelope_reader& r, const test::sealed& s) {
  for (const auto& c : r.candidates()) {
    if (chars(c.iv) == s.iv && chars(c.ciphertext) == s.ct && chars(c.tag) == s.tag) return true;
  }
  return false;
}

TEST(EnvelopeReader, JsonAllCiphertextAndTagAliases) {
  const auto s = test::seal(gcm, test::make_key(1), "{\"a\":1}");
  for (const char* ct : {"data", "ciphertext", "encryptedData", "encrypted", "content"}) {
    for (const char* tag : {"tag", "authTag", "auth_tag"}) {
      const auto w = test::make_wire(envelope_layout::json, style::b64, s, {ct, tag, {}});
      envelope_reader r;
      ASSERT_TRUE(read(r, gcm, envelope_layout::json, envelope_encoding::base64, w.body)) << w.body;
      ASSERT_EQ(r.candidates().size(), 1u);
      EXPECT_TRUE(has_candidate(r, s)) << ct << " " << tag;
    }
  }
}

TEST(EnvelopeReader, JsonPrefersFirstAliasInListOrder) {
  envelope_reader r;
  // "content" appears first in the document, but "data" ranks first.
  ASSERT_TRUE(read(r, cbc, envelope_layout::json, envelope_encoding::hex,
                   R"({"content":"bbbb","iv":"00","data":"aaaa","encrypted":true})"));
  ASSERT_EQ(r.candidates().size(), 1u);
  EXPECT_EQ(chars(r.candidates()[0].ciphertext), "\xaa\xaa");
}

TEST(EnvelopeReader, JsonSkipsNonStringAliasWhenAStringOneExists) {
  envelope_reader r;
  ASSERT_TRUE(read(r, cbc, envelope_layout::json, envelope_encoding::hex,
                   R"({"iv":"00","encrypted":true,"content":"cccc"})"));
  EXPECT_EQ(chars(r.candidates()[0].ciphertext), "\xcc\xcc");
}

TEST(EnvelopeReader, JsonCbcIgnoresTag) {
  envelope_reader r;
  ASSERT_TRUE(read(r, cbc, envelope_layout::json, envelope_encoding::hex,
                   R"({"iv":"00","data":"aaaa","tag":"not even hex!"})"));
  ASSERT_EQ(r.candidates().size(), 1u);
  EXPECT_TRUE(r.candidates()[0].tag.empty());
}

TEST(EnvelopeReader, JsonShapeErrorsAreBadEnvelope) {
  const char* bodies[] = {
      "",
      "{",
      "not json",
      "[1,2]",
      "\"iv\"",
      "{}",
      R"({"data":"aa","tag":"bb"})",                     // no iv
      R"({"iv":"00","tag":"bb"})",                       // no ciphertext
      R"({"iv":"00","data":"aa"})",                      // no tag (GCM)
      R"({"iv":1,"data":"aa","tag":"bb"})",              // iv not a string
      R"({"iv":"00","data":7,"tag":"bb"})",              // ciphertext not a string
      R"({"iv":"00","data":"aa","tag":null})",           // tag not a string
      R"({"iv":"00","data":"aa","tag":"bb"} trailing)",  // not one JSON document
      R"({"iv":"0!","data":"aa","tag":"bb"})",           // iv valid in neither encoding
      R"({"iv":"00","data":"a","tag":"bb"})",            // ciphertext valid in neither
      R"({"iv":"00","data":"aa","tag":"b~"})",           // tag valid in neither
  };
  for (const char* body : bodies) {
    envelope_reader r;
    const auto res = read(r, gcm, envelope_layout::json, envelope_encoding::auto_detect, body);
    ASSERT_FALSE(res) << body;
    EXPECT_EQ(res.error(), inbound_errc::bad_envelope) << body;
  }
}

TEST(EnvelopeReader, JsonAlgAndModeMustMatch) {
  struct row {
    const char* body;
    cipher_mode mode;
    bool ok;
  };
  const row rows[] = {
      {R"({"alg":"aes-256-gcm","iv":"00","data":"aa","tag":"bb"})", gcm, true},
      {R"({"alg":"AES_256_GCM","iv":"00","data":"aa","tag":"bb"})", gcm, true},
      {R"({"mode":"Aes256Gcm","iv":"00","data":"aa","tag":"bb"})", gcm, true},
      {R"({"alg":"aes-256-cbc","iv":"00","data":"aa","tag":"bb"})", gcm, false},
      {R"({"mode":"AES-256-CBC","iv":"00","data":"aa","tag":"bb"})", gcm, false},
      {R"({"iv":"00","data":"aa","mode":"aes_256_gcm"})", cbc, false},
      {R"({"iv":"00","data":"aa","alg":"aes-256-cbc"})", cbc, true},
      {R"({"iv":"00","data":"aa","alg":"AES256CBC","mode":"cbc"})", cbc, true},
      {R"({"iv":"00","data":"aa","alg":"aes-256-cbc","mode":"gcm"})", cbc, false},
      // Values naming neither cipher, and non-strings, are not checked.
      {R"({"iv":"00","data":"aa","alg":"A256CBC-HS512"})", cbc, true},
      {R"({"iv":"00","data":"aa","alg":1})", cbc, true},
  };
  for (const auto& r : rows) {
    envelope_reader reader;
    const auto res = read(reader, r.mode, envelope_layout::json, envelope_encoding::hex, r.body);
    if (r.ok) {
      EXPECT_TRUE(res) << r.body;
    } else {
      ASSERT_FALSE(res) << r.body;
      EXPECT_EQ(res.error(), inbound_errc::mode_mismatch) << r.body;
    }
  }
}

TEST(EnvelopeReader, CompactPartCounts) {
  envelope_reader r;
  EXPECT_TRUE(read(r, gcm, envelope_layout::compact, envelope_encoding::hex, "00:aa:bb"));
  EXPECT_TRUE(read(r, cbc, envelope_layout::compact, envelope_encoding::hex, "00:aa"));
  EXPECT_TRUE(read(r, gcm, envelope_layout::compact, envelope_encoding::hex, " 00:aa:bb\r\n"));
  for (const char* body : {"00:aa", "00", "00:aa:bb:cc", "", "00:zz:bb"}) {
    const auto res = read(r, gcm, envelope_layout::compact, envelope_encoding::hex, body);
    ASSERT_FALSE(res) << body;
    EXPECT_EQ(res.error(), inbound_errc::bad_envelope) << body;
  }
  for (const char* body : {"00:aa:bb", "00", "", "0:aa"}) {
    const auto res = read(r, cbc, envelope_layout::compact, envelope_encoding::hex, body);
    ASSERT_FALSE(res) << body;
    EXPECT_EQ(res.error(), inbound_errc::bad_envelope) << body;
  }
}

TEST(EnvelopeReader, RawGcmTriesTwelveThenSixteenByteIv) {
  const std::string bytes = test::pattern(12 + 20 + 16, 9);
  envelope_reader r;
  ASSERT_TRUE(
      read(r, gcm, envelope_layout::raw, envelope_encoding::base64, encode(bytes, style::b64)));
  ASSERT_EQ(r.candidates().size(), 2u);
  EXPECT_EQ(chars(r.candidates()[0].iv), bytes.substr(0, 12));
  EXPECT_EQ(chars(r.candidates()[0].ciphertext), bytes.substr(12, 20));
  EXPECT_EQ(chars(r.candidates()[0].tag), bytes.substr(32));
  EXPECT_EQ(chars(r.candidates()[1].iv), bytes.substr(0, 16));
  EXPECT_EQ(chars(r.candidates()[1].ciphertext), bytes.substr(16, 16));
  EXPECT_EQ(chars(r.candidates()[1].tag), bytes.substr(32));
}

TEST(EnvelopeReader, RawTooShortIsBadEnvelope) {
  envelope_reader r;
  // GCM needs at least 12 + 16 bytes.
  ASSERT_TRUE(read(r, gcm, envelope_layout::raw, envelope_encoding::hex,
                   encode(test::pattern(28, 1), style::hex)));
  EXPECT_EQ(r.candidates().size(), 1u);  // only the 12-byte IV split fits
  auto res = read(r, gcm, envelope_layout::raw, envelope_encoding::hex,
                  encode(test::pattern(27, 1), style::hex));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), inbound_errc::bad_envelope);
  // CBC needs at least the 16-byte IV.
  EXPECT_TRUE(read(r, cbc, envelope_layout::raw, envelope_encoding::hex,
                   encode(test::pattern(16, 1), style::hex)));
  res = read(r, cbc, envelope_layout::raw, envelope_encoding::hex,
             encode(test::pattern(15, 1), style::hex));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), inbound_errc::bad_envelope);
  res = read(r, cbc, envelope_layout::raw, envelope_encoding::base64, "");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), inbound_errc::bad_envelope);
  res = read(r, cbc, envelope_layout::raw, envelope_encoding::base64, "!!!!");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), inbound_errc::bad_envelope);
}

TEST(EnvelopeReader, HeaderIvSplitsTagOffBody) {
  const std::string body_bytes = test::pattern(40, 3);
  const std::string iv = test::pattern(12, 4);
  envelope_reader r;
  const std::string iv_text = encode(iv, style::hex);
  ASSERT_TRUE(read(r, gcm, envelope_layout::header_iv, envelope_encoding::hex,
                   encode(body_bytes, style::hex), iv_text));
  ASSERT_EQ(r.candidates().size(), 1u);
  EXPECT_EQ(chars(r.candidates()[0].iv), iv);
  EXPECT_EQ(chars(r.candidates()[0].ciphertext), body_bytes.substr(0, 24));
  EXPECT_EQ(chars(r.candidates()[0].tag), body_bytes.substr(24));
}

TEST(EnvelopeReader, HeaderIvErrors) {
  envelope_reader r;
  // Missing header.
  auto res = read(r, gcm, envelope_layout::header_iv, envelope_encoding::hex,
                  encode(test::pattern(40, 1), style::hex));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), inbound_errc::bad_envelope);
  // Body shorter than the tag.
  const std::string iv = encode(test::pattern(12, 1), style::hex);
  res = read(r, gcm, envelope_layout::header_iv, envelope_encoding::hex,
             encode(test::pattern(15, 1), style::hex), iv);
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), inbound_errc::bad_envelope);
  // Bad encoding in the header.
  res = read(r, gcm, envelope_layout::header_iv, envelope_encoding::hex,
             encode(test::pattern(40, 1), style::hex), std::string_view("xyz"));
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), inbound_errc::bad_envelope);
  // CBC has no tag, so any decodable body is a candidate.
  EXPECT_TRUE(read(r, cbc, envelope_layout::header_iv, envelope_encoding::hex, "", iv));
}

TEST(EnvelopeReader, ExplicitEncodingReadsOnlyThatEncoding) {
  envelope_reader r;
  // "abcd" is both hex and base64.
  ASSERT_TRUE(read(r, cbc, envelope_layout::compact, envelope_encoding::hex, "abcd:abcd"));
  ASSERT_EQ(r.candidates().size(), 1u);
  EXPECT_EQ(chars(r.candidates()[0].ciphertext), "\xab\xcd");
  ASSERT_TRUE(read(r, cbc, envelope_layout::compact, envelope_encoding::base64, "abcd:abcd"));
  ASSERT_EQ(r.candidates().size(), 1u);
  EXPECT_EQ(chars(r.candidates()[0].ciphertext), "\x69\xb7\x1d");
  // Base64-only text under hex fails.
  const auto res = read(r, cbc, envelope_layout::compact, envelope_encoding::hex, "abcd:Zm9v");
  ASSERT_FALSE(res);
  EXPECT_EQ(res.error(), inbound_errc::bad_envelope);
}

TEST(EnvelopeReader, AutoEncodingTriesHexThenBase64PerPiece) {
  envelope_reader r;
  ASSERT_TRUE(
      read(r, gcm, envelope_layout::compact, envelope_encoding::auto_detect, "abcd:Zm9v:0011"));
  // iv: hex, base64; ct: base64 only; tag: hex, base64.
  ASSERT_EQ(r.candidates().size(), 4u);
  EXPECT_EQ(chars(r.candidates()[0].iv), "\xab\xcd");
  EXPECT_EQ(chars(r.candidates()[0].tag), std::string("\x00\x11", 2));
  EXPECT_EQ(chars(r.candidates()[1].iv), "\xab\xcd");
  EXPECT_EQ(chars(r.candidates()[1].tag), std::string("\xd3\x4d\x75", 3));
  EXPECT_EQ(chars(r.candidates()[2].iv), "\x69\xb7\x1d");
  EXPECT_EQ(chars(r.candidates()[3].iv), "\x69\xb7\x1d");
  for (const auto& c : r.candidates()) EXPECT_EQ(chars(c.ciphertext), "foo");
}

TEST(EnvelopeReader, CandidateCountIsBounded) {
  envelope_reader r;
  ASSERT_TRUE(read(r, gcm, envelope_layout::json, envelope_encoding::auto_detect,
                   R"({"iv":"abcd","data":"abcd","tag":"abcd"})"));
  EXPECT_EQ(r.candidates().size(), max_envelope_candidates);
  ASSERT_TRUE(read(r, gcm, envelope_layout::raw, envelope_encoding::auto_detect,
                   encode(test::pattern(48, 1), style::hex)));
  EXPECT_EQ(r.candidates().size(), 4u);  // (hex, base64) x (12, 16)
}

TEST(EnvelopeReader, AutoLayoutIsReported) {
  envelope_reader r;
  ASSERT_TRUE(read(r, cbc, envelope_layout::auto_detect, envelope_encoding::hex, "00:aa"));
  EXPECT_EQ(r.layout(), envelope_layout::compact);
  ASSERT_TRUE(read(r, cbc, envelope_layout::auto_detect, envelope_encoding::hex,
                   R"({"iv":"00","data":"aa"})"));
  EXPECT_EQ(r.layout(), envelope_layout::json);
  ASSERT_TRUE(read(r, cbc, envelope_layout::auto_detect, envelope_encoding::hex,
                   encode(test::pattern(32, 1), style::hex)));
  EXPECT_EQ(r.layout(), envelope_layout::raw);
  ASSERT_TRUE(read(r, cbc, envelope_layout::auto_detect, envelope_encoding::hex, "aa",
                   std::string_view("00")));
  EXPECT_EQ(r.layout(), envelope_layout::header_iv);
}

TEST(EnvelopeReader, ReusedReaderForgetsPreviousCandidates) {
  envelope_reader r;
  ASSERT_TRUE(read(r, gcm, envelope_layout::json, envelope_encoding::auto_detect,
                   R"({"iv":"abcd","data":"abcd","tag":"abcd"})"));
  ASSERT_FALSE(read(r, gcm, envelope_layout::json, envelope_encoding::auto_detect, "{}"));
  EXPECT_TRUE(r.candidates().empty());
  ASSERT_TRUE(read(r, cbc, envelope_layout::compact, envelope_encoding::hex, "00:aa"));
  EXPECT_EQ(r.candidates().size(), 1u);
}

}  // namespace
}  // namespace rai::handlers
