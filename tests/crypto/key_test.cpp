#include "crypto/key.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_util.hpp"

namespace rai::crypto {
namespace {

using test::tohex_array;

constexpr const char* key_hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST(ParseKey, ThirtyTwoCharacters) {
  const std::string text = "0123456789abcdefghijklmnopqrstuv";
  auto k = parse_key(text);
  ASSERT_TRUE(k);
  EXPECT_EQ(std::string(k->begin(), k->end()), text);
  // Exactly 32 characters wins even when it looks like a prefixed form.
  auto h = parse_key("hex:0123456789abcdef0123456789ab");
  ASSERT_TRUE(h);
  EXPECT_EQ(std::string(h->begin(), h->end()), "hex:0123456789abcdef0123456789ab");
}

TEST(ParseKey, Hex) {
  auto k = parse_key(std::string("hex:") + key_hex);
  ASSERT_TRUE(k);
  EXPECT_EQ(tohex_array(*k), key_hex);
  auto upper = parse_key("hex:000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  ASSERT_TRUE(upper);
  EXPECT_EQ(*upper, *k);
}

TEST(ParseKey, Base64) {
  // base64 of the bytes 00..1f, padded, unpadded and url-safe.
  for (const char* text : {"base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                           "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}) {
    SCOPED_TRACE(text);
    auto k = parse_key(text);
    ASSERT_TRUE(k);
    EXPECT_EQ(tohex_array(*k), key_hex);
  }
  auto url = parse_key("base64:-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_8=");
  ASSERT_TRUE(url);
  auto std_alpha = parse_key("base64:+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/8=");
  ASSERT_TRUE(std_alpha);
  EXPECT_EQ(*url, *std_alpha);
}

TEST(ParseKey, Rejects) {
  const std::string hex64 = key_hex;
  const std::string bad[] = {
      "",
      "short",
      std::string(31, 'k'),
      std::string(33, 'k'),
      std::string(64, 'a'),                                     // bare hex without the prefix
      "hex:" + hex64.substr(0, 62),                             // 31 bytes
      "hex:" + hex64 + "00",                                    // 33 bytes
      "hex:" + hex64.substr(0, 63),                             // odd
      "hex:" + hex64.substr(0, 63) + "g",                       // non-hex
      "hex: " + hex64.substr(1),                                // space
      "HEX:" + hex64,                                           // prefix is case-sensitive
      "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",    // 31 bytes
      "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",    // 33 bytes
      "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",  // trailing newline
      "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh!=",    // bad char
      "base64:",
      "Base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
      "hex:",
  };
  for (const auto& text : bad) {
    SCOPED_TRACE(text);
    auto k = parse_key(text);
    ASSERT_FALSE(k);
    EXPECT_EQ(k.error(), crypto_errc::bad_key);
    // The error never echoes key material (short inputs like "hex:" are
    // legitimately part of the message).
    if (text.size() > 8) {
      EXPECT_EQ(k.error().message().find(text), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace rai::crypto
