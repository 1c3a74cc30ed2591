#include "config/config_warnings.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace rai::gateway {
namespace {

constexpr const char* key = "0123456789abcdef0123456789abcdef";
constexpr const char* whsec = "signing_secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n";

std::vector<std::string> warnings_of(const std::string& source_table) {
  auto r = parse_config("[sources.s]\n" + source_table, "test.toml");
  EXPECT_TRUE(r.config) << (r.problems.empty() ? "" : r.problems.front());
  return r.config ? config_warnings(*r.config) : std::vector<std::string>{"(invalid)"};
}

bool says(const std::vector<std::string>& w, const std::string& what) {
  return std::any_of(w.begin(), w.end(),
                     [&](const std::string& s) { return s.find(what) != std::string::npos; });
}

const std::string keys = std::string("keys = [\"") + key + "\"]\n";

TEST(ConfigWarnings, GcmSourceAuthenticatedByNothingButTheTag) {
  const auto w = warnings_of(keys);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_TRUE(says(w,
                   "sources.s: neither api_keys nor signing_secret: the AES-GCM tag is its only "
                   "authentication"));
  EXPECT_TRUE(warnings_of(keys + "api_keys = [\"k\"]\n").empty());
  EXPECT_TRUE(warnings_of(keys + whsec).empty());
}

TEST(ConfigWarnings, PlaintextSourceAuthenticatedByNothing) {
  const auto w = warnings_of("require_encryption = false\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_TRUE(says(w, "accepts unauthenticated events from anyone"));
}

TEST(ConfigWarnings, CbcSourceWithoutSigningSecret) {
  const std::string cbc = keys + "mode = \"aes-256-cbc\"\n";
  const auto w = warnings_of(cbc + "api_keys = [\"k\"]\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_TRUE(says(w, "sources.s: aes-256-cbc without signing_secret"));
  EXPECT_TRUE(warnings_of(cbc + "api_keys = [\"k\"]\n" + whsec).empty());
  EXPECT_TRUE(warnings_of(cbc + whsec).empty());
}

TEST(ConfigWarnings, NeverASecret) {
  for (const auto& w : warnings_of(keys + "mode = \"aes-256-cbc\"\napi_keys = [\"k-secret\"]\n")) {
    EXPECT_EQ(w.find(key), std::string::npos) << w;
    EXPECT_EQ(w.find("k-secret"), std::string::npos) << w;
  }
}

}  // namespace
}  // namespace rai::gateway
