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

std::vector<std::string> amqp_warnings(const std::string& amqp_table) {
  auto r = parse_config("[amqp]\n" + amqp_table + "[sources.s]\n" + keys + whsec, "test.toml");
  EXPECT_TRUE(r.config) << (r.problems.empty() ? "" : r.problems.front());
  return r.config ? config_warnings(*r.config) : std::vector<std::string>{"(invalid)"};
}

TEST(ConfigWarnings, TlsFilesWithOnlyPlainAmqpUrlsAreNotUsed) {
  const auto w = amqp_warnings("url = \"amqp://u:p@rmq:5672/\"\ntls_ca_file = \"/etc/ca.pem\"\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_TRUE(says(w, "amqp.tls_*: TLS files are set but no broker URL is amqps://"));
  EXPECT_TRUE(says(amqp_warnings("url = \"amqp://u:p@rmq:5672/\"\ntls_cert_file = \"/c.pem\"\n"
                                 "tls_key_file = \"/c.key\"\n"),
                   "not used"));
  EXPECT_TRUE(
      amqp_warnings("url = \"amqps://u:p@rmq:5671/\"\ntls_ca_file = \"/etc/ca.pem\"\n").empty());
  EXPECT_TRUE(amqp_warnings("url = \"amqp://u:p@rmq:5672/\"\n").empty());
}

TEST(ConfigWarnings, NodesMixingPlainAndTls) {
  const auto w =
      amqp_warnings("urls = [\"amqps://u:p@rmq-0:5671/\", \"amqp://u:p@rmq-1:5672/\"]\n");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_TRUE(says(w, "amqp.urls: some nodes are amqp:// and some amqps://"));
  EXPECT_EQ(w[0].find("u:p"), std::string::npos) << w[0];
  EXPECT_TRUE(
      amqp_warnings("urls = [\"amqps://u:p@rmq-0:5671/\", \"amqps://u:p@rmq-1:5671/\"]\n").empty());
}

}  // namespace
}  // namespace rai::gateway
