#include <gtest/gtest.h>

#include "redis/errc.hpp"
#include "redis/url.hpp"

namespace rai::redis {
namespace {

TEST(RedisUrl, HostPortDatabaseAndCredentials) {
  auto e = parse_url("redis://alice:s3cr%40t@cache.internal:6390/4");
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_EQ(e->host, "cache.internal");
  EXPECT_EQ(e->port, 6390);
  EXPECT_EQ(e->user, "alice");
  EXPECT_EQ(e->password, "s3cr@t");
  EXPECT_EQ(e->db, 4u);
}

TEST(RedisUrl, Defaults) {
  auto e = parse_url("redis://127.0.0.1");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 6379);
  EXPECT_EQ(e->db, 0u);
  EXPECT_TRUE(e->user.empty());
  EXPECT_TRUE(e->password.empty());
  EXPECT_EQ(parse_url("REDIS://h:1/")->port, 1);
}

TEST(RedisUrl, PasswordOnlyForms) {
  EXPECT_EQ(parse_url("redis://:pw@h")->password, "pw");
  EXPECT_EQ(parse_url("redis://pw@h")->password, "pw");
  EXPECT_EQ(parse_url("redis://u:p@ss@h")->password, "p@ss");  // the last '@' ends it
  EXPECT_TRUE(parse_url("redis://:pw@h")->user.empty());
}

TEST(RedisUrl, Ipv6Literal) {
  auto e = parse_url("redis://[::1]:7000/1");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "::1");
  EXPECT_EQ(e->port, 7000);
  EXPECT_EQ(redacted(*e), "redis://[::1]:7000/1");
}

TEST(RedisUrl, Refusals) {
  for (const char* bad : {"", "redis://", "rediss://h:6380", "http://h", "redis://h:",
                          "redis://h:0", "redis://h:65536", "redis://h:abc", "redis://h/x",
                          "redis://h/99999999", "redis://[::1", "redis://[::1]x", "redis://h /0",
                          "redis://u:%zz@h", "redis://u:%4@h", "redis://u:@h", "redis://:pw@"}) {
    auto e = parse_url(bad);
    EXPECT_FALSE(e) << bad;
    if (!e) {
      EXPECT_EQ(e.error(), redis_errc::bad_url) << bad;
    }
  }
}

TEST(RedisUrl, RedactedNeverShowsThePassword) {
  auto e = parse_url("redis://alice:hunter2@h:1/2");
  ASSERT_TRUE(e);
  EXPECT_EQ(redacted(*e), "redis://alice:***@h:1/2");
  EXPECT_EQ(redacted(*parse_url("redis://:hunter2@h")), "redis://:***@h:6379/0");
  EXPECT_EQ(redacted(*parse_url("redis://h")), "redis://h:6379/0");
}

}  // namespace
}  // namespace rai::redis
