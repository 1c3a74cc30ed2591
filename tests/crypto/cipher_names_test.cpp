#include "crypto/cipher_names.hpp"

#include <gtest/gtest.h>

namespace rai::crypto {
namespace {

constexpr auto gcm = cipher_mode::aes_256_gcm;
constexpr auto cbc = cipher_mode::aes_256_cbc;

TEST(CipherNames, CanonicalNamesRoundTrip) {
  for (const auto& e : cipher_mode_names) {
    EXPECT_EQ(cipher_mode_name(e.value), e.name);
    EXPECT_EQ(cipher_mode_from_name(e.name), e.value);
    EXPECT_EQ(cipher_mode_from_loose_name(e.name), e.value);
  }
  EXPECT_EQ(cipher_mode_name(gcm), "aes-256-gcm");
  EXPECT_EQ(cipher_mode_name(cbc), "aes-256-cbc");
}

TEST(CipherNames, ExactNamesOnlyTheCanonicalSpelling) {
  for (const char* s : {"gcm", "AES-256-GCM", "aes_256_gcm", "aes256gcm", "", "aes-256-gcm "}) {
    EXPECT_EQ(cipher_mode_from_name(s), std::nullopt) << s;
  }
}

TEST(CipherNames, LooseNamesIgnoreCaseAndSeparators) {
  for (const char* s : {"aes-256-gcm", "AES-256-GCM", "aes_256_gcm", "AES_256_GCM", "aes256gcm",
                        "Aes-256_Gcm", "gcm", "GCM"}) {
    EXPECT_EQ(cipher_mode_from_loose_name(s), gcm) << s;
  }
  for (const char* s : {"aes-256-cbc", "AES-256-CBC", "aes_256_cbc", "aes256cbc", "cbc", "CBC"}) {
    EXPECT_EQ(cipher_mode_from_loose_name(s), cbc) << s;
  }
  for (const char* s :
       {"", "aes-128-gcm", "aes-256-ctr", "A256GCM", "aes 256 gcm", "aes-256-gcm-aes-256-gcm-x"}) {
    EXPECT_EQ(cipher_mode_from_loose_name(s), std::nullopt) << s;
  }
}

}  // namespace
}  // namespace rai::crypto
