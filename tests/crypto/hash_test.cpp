#include "crypto/hash.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_util.hpp"

namespace rai::crypto {
namespace {

using test::bv;
using test::tohex_array;
using test::unhex;

// FIPS 180-2 appendix B examples.
TEST(Sha256, Fips180Vectors) {
  EXPECT_EQ(sha256_hex(as_bytes("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(as_bytes("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const std::string million(1000000, 'a');
  EXPECT_EQ(sha256_hex(bv(million)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(tohex_array(sha256(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// RFC 4231 §4.2-4.8, HMAC-SHA-256 results.
struct rfc4231_case {
  int number;
  std::string key;
  std::string data;
  const char* mac;  // case 5 is truncated to 128 bits by the RFC
};

TEST(HmacSha256, Rfc4231) {
  const rfc4231_case cases[] = {
      {1, std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {2, "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {3, std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {4, unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {5, std::string(20, '\x0c'), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},
      {6, std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {7, std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.number);
    const std::string mac = tohex_array(hmac_sha256(bv(c.key), bv(c.data)));
    const std::string expected = c.mac;
    EXPECT_EQ(mac.substr(0, expected.size()), expected);
  }
}

// An empty key must really be empty, not "whatever key the thread's context
// held before" (OpenSSL treats a null key pointer as "keep the old key").
TEST(HmacSha256, EmptyKeyAfterOtherKey) {
  (void)hmac_sha256(as_bytes("Jefe"), as_bytes("warm up"));
  EXPECT_EQ(tohex_array(hmac_sha256({}, {})),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(HmacSha256, ConcatEqualsOneShot) {
  const std::string key = "Jefe";
  const auto one = hmac_sha256(bv(key), as_bytes("what do ya want for nothing?"));
  const auto parts = hmac_sha256_concat(
      bv(key),
      {as_bytes("what "), as_bytes(""), as_bytes("do ya want"), as_bytes(" for nothing?")});
  EXPECT_EQ(one, parts);
  EXPECT_EQ(tohex_array(parts), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmac_sha256_concat(bv(key), {}), hmac_sha256(bv(key), {}));
}

}  // namespace
}  // namespace rai::crypto
