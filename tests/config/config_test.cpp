#include "config/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace rai::gateway {
namespace {

constexpr const char* key = "0123456789abcdef0123456789abcdef";

config_result parse(const std::string& text) {
  return parse_config(text, "test.toml");
}

std::string all(const config_result& r) {
  std::string s;
  for (const auto& p : r.problems) s += p + "\n";
  return s;
}

std::string minimal_source(const std::string& extra = "") {
  return std::string("[sources.default]\nkeys = [\"") + key + "\"]\napi_keys = [\"k1\"]\n" + extra;
}

TEST(Config, ExampleFileIsValid) {
  auto r = load_config(RAI_EXAMPLE_CONFIG);
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->sources.size(), 1u);
  EXPECT_EQ(r.config->server.listen.port, 8080);
}

TEST(Config, MinimalSourceGetsDefaults) {
  auto r = parse(minimal_source());
  ASSERT_TRUE(r.config) << all(r);
  const auto& c = *r.config;
  EXPECT_EQ(c.server.listen.host, "0.0.0.0");
  EXPECT_EQ(c.server.listen.port, 8080);
  EXPECT_EQ(c.server.max_body_bytes, 1u << 20);
  EXPECT_EQ(c.amqp.urls.front(), "amqp://guest:guest@127.0.0.1:5672/");
  EXPECT_EQ(c.dedupe.window, std::chrono::seconds(86400));
  ASSERT_EQ(c.sources.size(), 1u);
  const auto& s = c.sources[0];
  EXPECT_EQ(s.name, "default");
  EXPECT_EQ(s.mode, crypto::cipher_mode::aes_256_gcm);
  EXPECT_TRUE(s.require_encryption);  // default true when keys are set
  EXPECT_EQ(s.keys.size(), 1u);
  EXPECT_EQ(s.api_keys, std::vector<std::string>{"k1"});
  EXPECT_EQ(s.iv_header, "x-iv");
}

TEST(Config, NoKeysMeansEncryptionNotRequired) {
  auto r = parse("[sources.plain]\napi_keys = [\"k\"]\n");
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_FALSE(r.config->sources[0].require_encryption);
}

TEST(Config, AllKeysRead) {
  auto r = parse(R"(
[server]
listen = "127.0.0.1:18080"
threads = 3
max_body_bytes = 2048
header_timeout_ms = 1500
[log]
level = "debug"
format = "json"
[amqp]
url = "amqp://u:p@h:5673/v"
queue_type = "quorum"
confirm_timeout_ms = 2500
[dedupe]
window_seconds = 60
max_entries = 10
)" + minimal_source(R"(mode = "aes-256-cbc"
layout = "header-iv"
encoding = "hex"
iv_header = "X-My-IV"
signing_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
signature_tolerance_seconds = 60
)"));
  ASSERT_TRUE(r.config) << all(r);
  const auto& c = *r.config;
  EXPECT_EQ(c.server.listen.host, "127.0.0.1");
  EXPECT_EQ(c.server.listen.port, 18080);
  EXPECT_EQ(c.server.threads, 3u);
  EXPECT_EQ(c.server.max_body_bytes, 2048u);
  EXPECT_EQ(c.server.header_timeout, std::chrono::milliseconds(1500));
  EXPECT_TRUE(c.log.json);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.amqp.urls.front(), "amqp://u:p@h:5673/v");
  EXPECT_EQ(c.amqp.queues, amqp::queue_type::quorum);
  EXPECT_EQ(c.amqp.confirm_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(c.dedupe.window, std::chrono::seconds(60));
  EXPECT_EQ(c.dedupe.max_entries, 10u);
  const auto& s = c.sources[0];
  EXPECT_EQ(s.mode, crypto::cipher_mode::aes_256_cbc);
  EXPECT_EQ(s.layout, handlers::envelope_layout::header_iv);
  EXPECT_EQ(s.encoding, handlers::envelope_encoding::hex);
  EXPECT_EQ(s.iv_header, "x-my-iv");
  EXPECT_TRUE(s.signing_secret.has_value());
  EXPECT_EQ(s.signature_tolerance, std::chrono::seconds(60));
}

TEST(Config, BadKeyNamesTheSettingAndNeverEchoesIt) {
  const std::string secret = "this-is-not-a-valid-aes-key";
  auto r = parse("[sources.default]\nkeys = [\"" + secret + "\"]\napi_keys = [\"k\"]\n");
  ASSERT_FALSE(r.config);
  ASSERT_EQ(r.problems.size(), 1u) << all(r);
  EXPECT_NE(r.problems[0].find("sources.default.keys[0]"), std::string::npos);
  EXPECT_EQ(all(r).find(secret), std::string::npos);
}

TEST(Config, BadSigningSecretNeverEchoed) {
  auto r = parse(minimal_source("signing_secret = \"whsec_%%%%-secret-value\"\n"));
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("sources.default.signing_secret"), std::string::npos);
  EXPECT_EQ(all(r).find("secret-value"), std::string::npos);
}

TEST(Config, KeyForms) {
  auto hex = std::string("hex:") + std::string(64, 'a');
  auto r =
      parse("[sources.s]\nkeys = [\"" + hex +
            "\", \"base64:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"]\napi_keys=[\"k\"]\n");
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->sources[0].keys.size(), 2u);
}

TEST(Config, SecretsFromEnvironment) {
  ::setenv("RAI_TEST_KEYS", (std::string(key) + "\nabcdefghijabcdefghijabcdefghij12\n").c_str(), 1);
  ::setenv("RAI_TEST_API", "api-1", 1);
  ::setenv("RAI_TEST_URL", "amqp://x:y@z:5672/", 1);
  auto r = parse(R"(
[amqp]
url_env = "RAI_TEST_URL"
[sources.s]
keys_env = "RAI_TEST_KEYS"
api_keys_env = "RAI_TEST_API"
)");
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->amqp.urls.front(), "amqp://x:y@z:5672/");
  EXPECT_EQ(r.config->sources[0].keys.size(), 2u);
  EXPECT_EQ(r.config->sources[0].api_keys, std::vector<std::string>{"api-1"});
}

TEST(Config, MissingEnvironmentVariableIsNamed) {
  ::unsetenv("RAI_TEST_MISSING");
  auto r = parse("[sources.s]\nkeys_env = \"RAI_TEST_MISSING\"\napi_keys = [\"k\"]\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("sources.s.keys_env"), std::string::npos);
  EXPECT_NE(all(r).find("RAI_TEST_MISSING"), std::string::npos);
}

TEST(Config, SecretsFromFileIgnoreTrailingNewline) {
  auto dir = std::filesystem::temp_directory_path() / "rai-config-test";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "keys") << key << "\n";
    std::ofstream(dir / "api") << "api-a\napi-b\n";
    std::ofstream(dir / "whsec") << "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n";
  }
  for (const char* f : {"keys", "api", "whsec"})
    std::filesystem::permissions(
        dir / f, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto r = parse("[sources.s]\nkeys_file = \"" + (dir / "keys").string() +
                 "\"\napi_keys_file = \"" + (dir / "api").string() +
                 "\"\nsigning_secret_file = \"" + (dir / "whsec").string() + "\"\n");
  ASSERT_TRUE(r.config) << all(r);
  const auto& s = r.config->sources[0];
  EXPECT_EQ(s.keys.size(), 1u);
  EXPECT_EQ(s.api_keys, (std::vector<std::string>{"api-a", "api-b"}));
  EXPECT_TRUE(s.signing_secret.has_value());
  std::filesystem::remove_all(dir);
}

// A *_file secret others may read (or its group write) is refused, naming the
// setting, the file and its mode, never the secret; owner-only and group-read
// files are accepted.
TEST(Config, SecretFileOpenToOthersIsRefused) {
  namespace fs = std::filesystem;
  const auto dir = fs::temp_directory_path() / "rai-config-perm-test";
  fs::create_directories(dir);
  const auto file = dir / "api";
  std::ofstream(file) << "the-api-key\n";
  const std::string toml = "[sources.s]\nkeys = [\"" + std::string(key) +
                           "\"]\napi_keys_file = \"" + file.string() + "\"\n";
  const std::string target =
      "[targets.currency]\nurl = \"https://x.test/\"\napi_key = \"k\"\n"
      "key_file = \"" +
      file.string() + "\"\n";
  for (const unsigned mode : {0644u, 0604u, 0606u, 0664u, 0620u, 0660u, 0601u}) {
    fs::permissions(file, static_cast<fs::perms>(mode));
    auto r = parse(toml);
    EXPECT_FALSE(r.config) << std::oct << mode;
    EXPECT_NE(all(r).find("sources.s.api_keys_file: refusing " + file.string()), std::string::npos)
        << all(r);
    EXPECT_EQ(all(r).find("the-api-key"), std::string::npos) << "the secret leaked: " << all(r);
    char octal[8];
    std::snprintf(octal, sizeof octal, "0%03o", mode);
    EXPECT_NE(all(r).find(octal), std::string::npos) << all(r);
    auto t = parse(target);
    EXPECT_NE(all(t).find("targets.currency.key_file: refusing"), std::string::npos) << all(t);
  }
  for (const unsigned mode : {0600u, 0400u, 0640u, 0440u}) {
    fs::permissions(file, static_cast<fs::perms>(mode));
    auto r = parse(toml);
    ASSERT_TRUE(r.config) << std::oct << mode << ": " << all(r);
    EXPECT_EQ(r.config->sources[0].api_keys, std::vector<std::string>{"the-api-key"});
  }
  fs::remove_all(dir);
}

TEST(Config, UnreadableSecretFileIsNamed) {
  auto r = parse("[sources.s]\nkeys_file = \"/nonexistent/keys\"\napi_keys = [\"k\"]\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("sources.s.keys_file"), std::string::npos);
}

TEST(Config, TwoFormsOfOneSecretIsAnError) {
  auto r = parse(minimal_source("api_keys_env = \"X\"\n"));
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("sources.default.api_keys: set exactly one"), std::string::npos);
}

TEST(Config, CbcWithoutApiKeyOrSignatureRefused) {
  auto r = parse(std::string("[sources.s]\nmode = \"aes-256-cbc\"\nkeys = [\"") + key + "\"]\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("sources.s"), std::string::npos);
}

TEST(Config, MaxDecryptAttempts) {
  auto d = parse(minimal_source(""));
  ASSERT_TRUE(d.config) << all(d);
  EXPECT_EQ(d.config->sources[0].max_decrypt_attempts, 8u);
  auto r = parse(minimal_source("max_decrypt_attempts = 3\n"));
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->sources[0].max_decrypt_attempts, 3u);
  for (const char* bad : {"0", "-1", "\"8\""}) {
    auto b = parse(minimal_source(std::string("max_decrypt_attempts = ") + bad + "\n"));
    EXPECT_FALSE(b.config) << bad;
    EXPECT_NE(all(b).find("max_decrypt_attempts"), std::string::npos) << all(b);
  }
}

TEST(Config, UnknownKeysAndBadValuesAreReported) {
  auto r = parse(R"(
[server]
listen = "nonsense"
max_body_bytes = -1
bogus = 1
[log]
level = "loud"
format = "xml"
[amqp]
queue_type = "mirrored"
url = "http://x"
[dedupe]
max_entries = 2000000000
[sources.default]
mode = "aes-128-ecb"
layout = "zip"
encoding = "rot13"
api_keys = ["k"]
)");
  ASSERT_FALSE(r.config);
  const auto text = all(r);
  for (auto needle :
       {"server.listen", "server.max_body_bytes", "server.bogus: unknown setting", "log.level",
        "log.format", "amqp.queue_type", "amqp.url", "dedupe.max_entries: at most",
        "sources.default.mode", "sources.default.layout", "sources.default.encoding"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
}

TEST(Config, AmqpUrlsListTheClusterNodes) {
  auto r = parse(
      "[amqp]\nurls = [\"amqps://u:p@rmq-0:5671/\", \"amqp://u:p@rmq-1:5672/\"]\n"
      "tls_ca_file = \"/etc/ca.pem\"\ntls_cert_file = \"/etc/c.pem\"\n"
      "tls_key_file = \"/etc/c.key\"\n" +
      minimal_source());
  ASSERT_TRUE(r.config) << all(r);
  const auto& a = r.config->amqp;
  EXPECT_EQ(a.urls,
            (std::vector<std::string>{"amqps://u:p@rmq-0:5671/", "amqp://u:p@rmq-1:5672/"}));
  EXPECT_EQ(a.tls.ca_file, "/etc/ca.pem");
  EXPECT_EQ(a.tls.cert_file, "/etc/c.pem");
  EXPECT_EQ(a.tls.key_file, "/etc/c.key");
}

TEST(Config, AmqpUrlsFromAFileOnePerLine) {
  const auto path = std::filesystem::temp_directory_path() / "rai-config-test-urls";
  std::ofstream(path) << "amqp://a:b@n1:5672/\namqp://a:b@n2:5672/\n";
  std::filesystem::permissions(path, std::filesystem::perms::owner_read);
  auto r = parse("[amqp]\nurls_file = \"" + path.string() + "\"\n" + minimal_source());
  std::filesystem::remove(path);
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->amqp.urls,
            (std::vector<std::string>{"amqp://a:b@n1:5672/", "amqp://a:b@n2:5672/"}));
}

TEST(Config, AmqpUrlAndUrlsRefused) {
  for (const std::string amqp :
       {"url = \"amqp://h/\"\nurls = [\"amqp://h/\"]\n",
        "url_env = \"X\"\nurls = [\"amqp://h/\"]\n", "urls = []\n", "urls = [\"http://h/\"]\n",
        "url = \"https://h/\"\n", "tls_cert_file = \"/c.pem\"\n", "tls_key_file = \"/c.key\"\n"}) {
    auto r = parse("[amqp]\n" + amqp + minimal_source());
    EXPECT_FALSE(r.config) << amqp;
    EXPECT_NE(all(r).find("amqp."), std::string::npos) << all(r);
  }
}

TEST(Config, SyntaxErrorHasPosition) {
  auto r = parse("[server\nlisten = 1");
  ASSERT_FALSE(r.config);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("test.toml:1:"), std::string::npos) << r.problems[0];
}

TEST(Config, NoSourcesIsAnError) {
  auto r = parse("[server]\nlisten = \"0.0.0.0:1\"\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("sources"), std::string::npos);
}

TEST(Config, BadSourceNameRefused) {
  auto r = parse("[sources.\"a/b\"]\napi_keys = [\"k\"]\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("sources.a/b"), std::string::npos);
}

TEST(Config, AdminTokenAndMetricsListener) {
  auto r = parse(minimal_source());
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_TRUE(r.config->server.admin_token.empty());  // default: the command endpoint is off
  EXPECT_FALSE(r.config->server.metrics_listen);

  r = parse(
      "[server]\nadmin_token = \"0123456789abcdef-token\"\n"
      "metrics_listen = \"0.0.0.0:9091\"\n" +
      minimal_source());
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->server.admin_token, "0123456789abcdef-token");
  ASSERT_TRUE(r.config->server.metrics_listen);
  EXPECT_EQ(*r.config->server.metrics_listen, (endpoint{"0.0.0.0", 9091}));

  ::setenv("RAI_TEST_ADMIN_TOKEN", "from-the-environment-0123", 1);
  r = parse("[server]\nadmin_token_env = \"RAI_TEST_ADMIN_TOKEN\"\n" + minimal_source());
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->server.admin_token, "from-the-environment-0123");

  auto dir = std::filesystem::temp_directory_path() / "rai-config-admin-token";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "from-a-file-0123456789\n";
  std::filesystem::permissions(
      dir / "token", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  r = parse("[server]\nadmin_token_file = \"" + (dir / "token").string() + "\"\n" +
            minimal_source());
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_EQ(r.config->server.admin_token, "from-a-file-0123456789");
}

TEST(Config, BadAdminTokenAndMetricsListenerAreReported) {
  auto r = parse("[server]\nadmin_token = \"short\"\n" + minimal_source());
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("server.admin_token: at least 16"), std::string::npos) << all(r);
  EXPECT_EQ(all(r).find("short"), std::string::npos) << "the token was echoed";

  r = parse("[server]\nadmin_token = \"has a space in the token\"\n" + minimal_source());
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("server.admin_token: only printable"), std::string::npos) << all(r);

  r = parse("[server]\nadmin_token = \"a-long-enough-token\"\nadmin_token_env = \"X\"\n" +
            minimal_source());
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("server.admin_token: set exactly one"), std::string::npos) << all(r);

  r = parse("[server]\nmetrics_listen = \"nonsense\"\n" + minimal_source());
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("server.metrics_listen: expected host:port"), std::string::npos);

  r = parse("[server]\nadmin_listen = \"127.0.0.1:9090\"\nmetrics_listen = \"127.0.0.1:9090\"\n" +
            minimal_source());
  ASSERT_FALSE(r.config);
  EXPECT_NE(all(r).find("server.metrics_listen: must differ"), std::string::npos) << all(r);
}

TEST(Config, TargetsAndOutbound) {
  auto r = parse(minimal_source() + R"(
[outbound]
prefetch = 8
retry_schedule_ms = [1000, 2000]
delay_ladder_ms = [1000, 5000]
[targets.channel-message]
url = "https://example.test/hook"
api_key = "k"
key = "0123456789abcdef0123456789abcdef"
layout = "compact"
encoding = "hex"
mode = "aes-256-cbc"
rate_limit = 2.5
max_in_flight = 4
[targets.first-deposit]
url = "http://127.0.0.1:1/x"
auth = "workflow"
handshake_url = "http://127.0.0.1:1/hs"
api_key = "w"
session_ttl_seconds = 60
)");
  ASSERT_TRUE(r.config) << all(r);
  const auto& c = *r.config;
  EXPECT_TRUE(c.outbound.enabled);
  EXPECT_EQ(c.outbound.prefetch, 8u);
  EXPECT_EQ(c.outbound.retry_schedule.size(), 2u);
  ASSERT_EQ(c.targets.size(), 2u);
  const auto& cm = c.targets[0];
  EXPECT_EQ(cm.kind, "channel-message");
  EXPECT_TRUE(cm.key.has_value());
  EXPECT_EQ(cm.layout, handlers::envelope_layout::compact);
  EXPECT_EQ(cm.encoding, handlers::envelope_encoding::hex);
  EXPECT_EQ(cm.mode, crypto::cipher_mode::aes_256_cbc);
  EXPECT_DOUBLE_EQ(cm.rate_limit, 2.5);
  EXPECT_EQ(cm.max_in_flight, 4u);
  const auto& fd = c.targets[1];
  EXPECT_EQ(fd.auth, target_auth::workflow);
  EXPECT_EQ(fd.session_ttl, std::chrono::seconds(60));
}

TEST(Config, OutboundOnlyGatewayNeedsNoSource) {
  auto r = parse("[targets.currency]\nurl = \"https://x.test/h\"\napi_key = \"k\"\n");
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_TRUE(r.config->sources.empty());
  EXPECT_TRUE(r.config->outbound.enabled);
}

TEST(Config, NoTargetsMeansOutboundDisabled) {
  auto r = parse(minimal_source());
  ASSERT_TRUE(r.config) << all(r);
  EXPECT_FALSE(r.config->outbound.enabled);
}

TEST(Config, BadTargetsAreReported) {
  auto r = parse(minimal_source() + R"(
[outbound]
delay_ladder_ms = [5000, 1000]
[targets.Bad_Kind]
url = "ftp://x"
[targets.wf]
url = "https://x/y"
auth = "workflow"
api_key = "secret-workflow-key"
key = "short-secret-aes"
layout = "auto"
)");
  ASSERT_FALSE(r.config);
  const auto text = all(r);
  for (auto needle : {"outbound.delay_ladder_ms", "targets.Bad_Kind:", "targets.Bad_Kind.url",
                      "targets.Bad_Kind.api_key: required", "targets.wf.handshake_url",
                      "targets.wf.key", "targets.wf.layout"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  EXPECT_EQ(text.find("short-secret-aes"), std::string::npos);
  EXPECT_EQ(text.find("secret-workflow-key"), std::string::npos);
}

TEST(Config, DedupeDefaultsToMemory) {
  auto r = parse(minimal_source());
  ASSERT_TRUE(r.config) << all(r);
  const auto& d = r.config->dedupe;
  EXPECT_EQ(d.backend, dedupe_backend::memory);
  EXPECT_TRUE(d.redis_url.empty());
  EXPECT_EQ(d.redis_prefix, "rai-gateway:dedupe:");
  EXPECT_EQ(d.redis_timeout, std::chrono::milliseconds(50));
  EXPECT_EQ(d.redis_claim, std::chrono::milliseconds(30000));
}

TEST(Config, DedupeRedisBackend) {
  ::setenv("RAI_TEST_REDIS_URL", "redis://:pw@cache:6390/2", 1);
  auto r = parse(R"([dedupe]
backend = "redis"
redis_url_env = "RAI_TEST_REDIS_URL"
redis_prefix = "app:"
redis_timeout_ms = 20
redis_claim_ms = 60000
)" + minimal_source());
  ::unsetenv("RAI_TEST_REDIS_URL");
  ASSERT_TRUE(r.config) << all(r);
  const auto& d = r.config->dedupe;
  EXPECT_EQ(d.backend, dedupe_backend::redis);
  EXPECT_EQ(d.redis_url, "redis://:pw@cache:6390/2");
  EXPECT_EQ(d.redis_prefix, "app:");
  EXPECT_EQ(d.redis_timeout, std::chrono::milliseconds(20));
  EXPECT_EQ(d.redis_claim, std::chrono::milliseconds(60000));
}

TEST(Config, DedupeRedisProblemsNeverQuoteTheUrl) {
  auto missing = parse("[dedupe]\nbackend = \"redis\"\n" + minimal_source());
  ASSERT_FALSE(missing.config);
  EXPECT_NE(all(missing).find("dedupe.redis_url: required"), std::string::npos) << all(missing);

  auto bad = parse(
      "[dedupe]\nbackend = \"redis\"\nredis_url = \"rediss://:hunter2@h\"\nredis_prefix = "
      "\"\"\nredis_timeout_ms = 0\n" +
      minimal_source());
  ASSERT_FALSE(bad.config);
  const auto text = all(bad);
  for (auto needle :
       {"dedupe.redis_url: expected redis://", "dedupe.redis_prefix", "dedupe.redis_timeout_ms"})
    EXPECT_NE(text.find(needle), std::string::npos) << needle << "\n" << text;
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;

  auto unused = parse("[dedupe]\nredis_url = \"redis://h\"\n" + minimal_source());
  ASSERT_FALSE(unused.config);
  EXPECT_NE(all(unused).find("only used with dedupe.backend"), std::string::npos);

  auto backend = parse("[dedupe]\nbackend = \"memcached\"\n" + minimal_source());
  ASSERT_FALSE(backend.config);
  EXPECT_NE(all(backend).find("dedupe.backend: must be one of memory, redis"), std::string::npos)
      << all(backend);
}

}  // namespace
}  // namespace rai::gateway
