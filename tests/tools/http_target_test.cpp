#include "tools/http_target.hpp"

#include <gtest/gtest.h>

namespace rai::tool {
namespace {

TEST(HttpTarget, Forms) {
  auto t = parse_http_url("http://127.0.0.1:8080");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, "8080");
  EXPECT_EQ(t->host_header, "127.0.0.1:8080");
  EXPECT_EQ(t->base_path, "");

  t = parse_http_url("http://gw.internal/prefix/");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "gw.internal");
  EXPECT_EQ(t->port, "80");
  EXPECT_EQ(t->base_path, "/prefix");

  t = parse_http_url("http://[::1]:9000/");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->port, "9000");
}

TEST(HttpTarget, Refused) {
  EXPECT_FALSE(parse_http_url("https://x:1"));
  EXPECT_FALSE(parse_http_url("x:1"));
  EXPECT_FALSE(parse_http_url("http://:80"));
  EXPECT_FALSE(parse_http_url("http://h:0"));
  EXPECT_FALSE(parse_http_url("http://h:99999"));
  EXPECT_FALSE(parse_http_url("http://[::1"));
}

}  // namespace
}  // namespace rai::tool
