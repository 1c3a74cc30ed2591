#include "crypto/codec.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "crypto/hash.hpp"

#include "test_util.hpp"

namespace rai::crypto {
namespace {

using test::bv;

// RFC 4648 §10 test vectors.
struct rfc4648_case {
  const char* plain;
  const char* base64;
  const char* base16;
};
const rfc4648_case rfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "66"},
    {"fo", "Zm8=", "666F"},
    {"foo", "Zm9v", "666F6F"},
    {"foob", "Zm9vYg==", "666F6F62"},
    {"fooba", "Zm9vYmE=", "666F6F6261"},
    {"foobar", "Zm9vYmFy", "666F6F626172"},
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string strip_padding(std::string s) {
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

TEST(Base64, Rfc4648Encode) {
  for (const auto& c : rfc4648) {
    SCOPED_TRACE(c.plain);
    EXPECT_EQ(base64_encode(as_bytes(c.plain)), c.base64);
    EXPECT_EQ(base64_encode(as_bytes(c.plain), base64_alphabet::standard, false),
              strip_padding(c.base64));
    EXPECT_EQ(base64_encode(as_bytes(c.plain), base64_alphabet::url_safe, true), c.base64);
  }
}

TEST(Base64, Rfc4648Decode) {
  for (const auto& c : rfc4648) {
    SCOPED_TRACE(c.base64);
    auto padded = base64_decode(c.base64);
    ASSERT_TRUE(padded);
    EXPECT_EQ(*padded, c.plain);
    auto unpadded = base64_decode(strip_padding(c.base64));
    ASSERT_TRUE(unpadded);
    EXPECT_EQ(*unpadded, c.plain);
  }
}

TEST(Base64, AlphabetsDiffer) {
  // 0xfb 0xff 0xbf exercises characters 62 and 63 in every position.
  const std::string raw = "\xfb\xff\xbf\xfb\xff";
  EXPECT_EQ(base64_encode(bv(raw)), "+/+/+/8=");
  EXPECT_EQ(base64_encode(bv(raw), base64_alphabet::url_safe), "-_-_-_8=");
  EXPECT_EQ(base64_encode(bv(raw), base64_alphabet::url_safe, false), "-_-_-_8");
  for (const char* enc : {"+/+/+/8=", "-_-_-_8=", "-_-_-_8", "+/+/+/8", "+_-/+_8="}) {
    SCOPED_TRACE(enc);
    auto r = base64_decode(enc);
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, raw);
  }
}

TEST(Base64, RejectsMalformed) {
  const char* bad[] = {
      " Zg==", "Zg== ",    "Zg==\n",    "Zm 9v",   "Zm9v\r\n", "\tZm9v",    // whitespace
      "Zm9v!", "Zm9v*A==", "Zm.v",      "Zm9\x80", "Zm9\xff",  "Zm9v:",     // bad chars
      "Z",     "Zm9vY",    "Zm9vYmFyZ",                                     // len%4 == 1
      "=",     "==",       "===",       "====",    "Z===",     "Zg=",       // padding
      "Zg===", "Zm9=v",    "Zg==Zg==",  "Zm=v",    "Zm9v=",    "Zm9v====",  // padding
      "Zh==",  "Zh",       "Zm9=",      "Zm9",     "Zm/=",     "AB==",      // trailing bits
  };
  for (const char* in : bad) {
    SCOPED_TRACE(in);
    auto r = base64_decode(in);
    ASSERT_FALSE(r) << "decoded to " << r->size() << " bytes";
    EXPECT_EQ(r.error(), crypto_errc::bad_encoding);
  }
  // Embedded NUL.
  EXPECT_FALSE(base64_decode(std::string_view("Zm9v\0AAA", 8)));
}

TEST(Base64, AcceptsZeroTrailingBits) {
  // The last character's unused bits are zero: "AA==" → 0x00, "AAA=" → 00 00.
  EXPECT_EQ(*base64_decode("AA=="), std::string(1, '\0'));
  EXPECT_EQ(*base64_decode("AAA="), std::string(2, '\0'));
  EXPECT_EQ(*base64_decode("Zm8"), "fo");
  EXPECT_TRUE(base64_decode(""));
  EXPECT_TRUE(base64_decode("")->empty());
}

TEST(Base64, RoundTripAllLengthsAndAlphabets) {
  std::mt19937 rng(42);
  for (std::size_t n = 0; n <= 100; ++n) {
    std::string raw(n, '\0');
    for (char& c : raw) c = static_cast<char>(rng());
    for (auto alphabet : {base64_alphabet::standard, base64_alphabet::url_safe}) {
      for (bool pad : {true, false}) {
        const std::string enc = base64_encode(bv(raw), alphabet, pad);
        if (pad) {
          EXPECT_EQ(enc.size() % 4, 0u);
        } else {
          EXPECT_EQ(enc.find('='), std::string::npos);
        }
        auto dec = base64_decode(enc);
        ASSERT_TRUE(dec) << enc;
        EXPECT_EQ(*dec, raw);
      }
    }
  }
}

TEST(Base64, EveryByteValue) {
  std::string raw;
  for (int i = 0; i < 256; ++i) raw.push_back(static_cast<char>(i));
  const std::string enc = base64_encode(bv(raw));
  EXPECT_EQ(enc.substr(0, 8), "AAECAwQF");
  EXPECT_EQ(enc.substr(enc.size() - 8), "/P3+/w==");
  EXPECT_EQ(*base64_decode(enc), raw);
}

TEST(Hex, Rfc4648Base16) {
  for (const auto& c : rfc4648) {
    SCOPED_TRACE(c.plain);
    EXPECT_EQ(hex_encode(as_bytes(c.plain)), lower(c.base16));
    auto upper = hex_decode(c.base16);
    ASSERT_TRUE(upper);
    EXPECT_EQ(*upper, c.plain);
    auto low = hex_decode(lower(c.base16));
    ASSERT_TRUE(low);
    EXPECT_EQ(*low, c.plain);
  }
}

TEST(Hex, EveryByteValue) {
  std::string raw;
  for (int i = 0; i < 256; ++i) raw.push_back(static_cast<char>(i));
  const std::string enc = hex_encode(bv(raw));
  EXPECT_EQ(enc.substr(0, 8), "00010203");
  EXPECT_EQ(enc.substr(enc.size() - 8), "fcfdfeff");
  EXPECT_EQ(*hex_decode(enc), raw);
  EXPECT_EQ(*hex_decode("DeAdBeEf"), "\xde\xad\xbe\xef");
}

TEST(Hex, RejectsMalformed) {
  for (const char* in : {"0", "abc", "0g", "g0", "zz", " 00", "00 ", "0x00", "-1", "0:"}) {
    SCOPED_TRACE(in);
    auto r = hex_decode(in);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), crypto_errc::bad_encoding);
  }
}

TEST(Hex, IsHex) {
  EXPECT_FALSE(is_hex(""));
  EXPECT_FALSE(is_hex("0"));
  EXPECT_FALSE(is_hex("abc"));
  EXPECT_FALSE(is_hex("0x"));
  EXPECT_FALSE(is_hex("Zg=="));
  EXPECT_FALSE(is_hex("00 "));
  EXPECT_FALSE(is_hex(std::string_view("0\0", 2)));
  EXPECT_TRUE(is_hex("0a"));
  EXPECT_TRUE(is_hex("0A"));
  EXPECT_TRUE(is_hex("0123456789abcdefABCDEF"));
}

TEST(ConstantTimeEqual, Semantics) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "xbc"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("abcd", "abc"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_FALSE(constant_time_equal("a", ""));
  EXPECT_TRUE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  const std::string big(4096, 'k');
  std::string other = big;
  other[4095] = 'j';
  EXPECT_FALSE(constant_time_equal(big, other));
  EXPECT_TRUE(constant_time_equal(big, std::string(4096, 'k')));
}

TEST(ConstantTimeEqual, DigestsAreFixedSizeAndKeyed) {
  const comparison_digest a = digest_for_comparison("api-key-1");
  EXPECT_EQ(a, digest_for_comparison("api-key-1"));
  EXPECT_NE(a, digest_for_comparison("api-key-2"));
  EXPECT_NE(a, digest_for_comparison("api-key-10"));
  EXPECT_NE(digest_for_comparison(""), digest_for_comparison(std::string_view("\0", 1)));
  // Keyed with a per-process secret: not the plain SHA-256 of the input.
  const sha256_digest plain = sha256(as_bytes("api-key-1"));
  EXPECT_FALSE(std::equal(a.begin(), a.end(), plain.begin()));
  EXPECT_TRUE(constant_time_equal(a, digest_for_comparison("api-key-1")));
  EXPECT_FALSE(constant_time_equal(a, digest_for_comparison("api-key-2")));
}

// A length mismatch must cost the same work as a content mismatch (issue 13,
// point 11): an early return on the lengths told an attacker how long an API
// key is. Compares the median time of a wrong guess of the right length with
// that of a guess one byte shorter: the early return made the second a small
// fraction of the first, a digest of each input makes them about equal. The
// bound is loose so that a noisy machine cannot make it fail.
TEST(ConstantTimeEqual, LengthMismatchCostsTheSameWork) {
  // Long enough that comparing the contents takes far longer than a call.
  const std::string secret(1024, 'k');
  std::string same_length = secret;
  same_length.back() = 'j';
  const std::string shorter(1023, 'k');
  using clock = std::chrono::steady_clock;
  const auto median_ns = [&](const std::string& guess) {
    std::vector<std::int64_t> samples;
    for (int round = 0; round < 201; ++round) {
      bool sink = false;
      const auto t0 = clock::now();
      for (int i = 0; i < 200; ++i) {
        sink ^= constant_time_equal(std::string_view(secret), std::string_view(guess));
      }
      const auto t1 = clock::now();
      EXPECT_FALSE(sink);
      samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    }
    std::nth_element(samples.begin(), samples.begin() + 100, samples.end());
    return static_cast<double>(samples[100]);
  };
  // Repeated: the best of three ratios, so that one noisy round cannot fail it.
  double best = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const double same = median_ns(same_length);
    const double diff = median_ns(shorter);
    best = std::max(best, diff / same);
  }
  EXPECT_GT(best, 0.6) << "a length mismatch returned much faster than a content mismatch";
}

}  // namespace
}  // namespace rai::crypto
