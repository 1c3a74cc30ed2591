#include "tools/http_target.hpp"

#include <gtest/gtest.h>

namespace rai::tool {
namespace {

// The URL grammar itself is the HTTP client's (tests/http); what the tool
// adds is the http-only rule and the prefix before /webhooks.
TEST(HttpTarget, Forms) {
  auto t = parse_http_url("http://127.0.0.1:8080");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->url.tls);
  EXPECT_EQ(t->url.host, "127.0.0.1");
  EXPECT_EQ(t->url.port, 8080);
  EXPECT_EQ(t->url.target, "/");
  EXPECT_EQ(t->base_path, "");

  t = parse_http_url("http://gw.internal/prefix/");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->url.host, "gw.internal");
  EXPECT_EQ(t->url.port, 80);
  EXPECT_EQ(t->url.target, "/");
  EXPECT_EQ(t->base_path, "/prefix");

  t = parse_http_url("http://[::1]:9000/");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->url.host, "::1");
  EXPECT_EQ(t->url.port, 9000);
  EXPECT_EQ(t->base_path, "");
}

TEST(HttpTarget, Refused) {
  for (const char* url : {"https://x:1", "x:1", "http://:80", "http://h:0", "http://h:99999",
                          "http://[::1", "http://h/p?q=1"}) {
    const auto t = parse_http_url(url);
    ASSERT_FALSE(t) << url;
    EXPECT_EQ(t.error().code, exit_usage) << url;
  }
}

}  // namespace
}  // namespace rai::tool
