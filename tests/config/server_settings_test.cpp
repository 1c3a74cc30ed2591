#include <gtest/gtest.h>

#include "config/config.hpp"

namespace rai::gateway {
namespace {

const std::string source = R"(
[sources.default]
keys = ["0123456789abcdef0123456789abcdef"]
api_keys = ["k1"]
)";

TEST(ServerSettings, DrainTimeoutAndTlsFilesAreRead) {
  auto r = parse_config(R"(
[server]
drain_timeout_ms = 2500
tls_cert_file = "/etc/rai/cert.pem"
tls_key_file = "/etc/rai/key.pem"
)" + source,
                        "test.toml");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->server.drain_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(r.config->server.tls_cert_file, "/etc/rai/cert.pem");
  EXPECT_EQ(r.config->server.tls_key_file, "/etc/rai/key.pem");
}

TEST(ServerSettings, DefaultsArePlainHttpAndTenSecondDrain) {
  auto r = parse_config(source, "test.toml");
  ASSERT_TRUE(r.config);
  EXPECT_TRUE(r.config->server.tls_cert_file.empty());
  EXPECT_EQ(r.config->server.drain_timeout, std::chrono::milliseconds(10'000));
}

TEST(ServerSettings, FirstByteDeadlineAndMinimumBodyRate) {
  auto defaults = parse_config(source, "test.toml");
  ASSERT_TRUE(defaults.config);
  EXPECT_EQ(defaults.config->server.first_byte_timeout, std::chrono::milliseconds(5'000));
  EXPECT_EQ(defaults.config->server.min_body_bytes_per_second, 1024u);
  EXPECT_EQ(defaults.config->server.body_rate_grace, std::chrono::milliseconds(5'000));
  auto r = parse_config(R"(
[server]
first_byte_timeout_ms = 1500
min_body_bytes_per_second = 0
body_rate_grace_ms = 2000
)" + source,
                        "test.toml");
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->server.first_byte_timeout, std::chrono::milliseconds(1'500));
  EXPECT_EQ(r.config->server.min_body_bytes_per_second, 0u);  // no minimum rate
  EXPECT_EQ(r.config->server.body_rate_grace, std::chrono::milliseconds(2'000));
  auto bad = parse_config("[server]\nfirst_byte_timeout_ms = 0\n" + source, "test.toml");
  EXPECT_FALSE(bad.config);
}

TEST(ServerSettings, TlsNeedsBothFiles) {
  auto r = parse_config("[server]\ntls_key_file = \"/k.pem\"\n" + source, "test.toml");
  ASSERT_FALSE(r.config);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("set both or neither"), std::string::npos) << r.problems[0];
}

}  // namespace
}  // namespace rai::gateway
