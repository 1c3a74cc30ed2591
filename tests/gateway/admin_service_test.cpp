#include "gateway/admin_service.hpp"

#include <gtest/gtest.h>

#include <string>

#include "amqp/publisher.hpp"

namespace rai::gateway {
namespace {

constexpr const char* token = "s3cret-admin-token-0123456789";

// The header checks never publish: the publisher is never started.
struct AdminHeader : ::testing::Test {
  amqp::publisher publisher{amqp::amqp_settings{}};
  admin_service::hooks hooks{.has_target = [](std::string_view k) { return k == "currency"; },
                             .failing_checks = [] { return std::vector<std::string_view>{}; },
                             .metrics = [] { return std::string("# metrics\n"); }};
  admin_service with_token{publisher, hooks, token};
  admin_service without_token{publisher, hooks, ""};

  static http::request_header<> command(std::string_view kind = "currency") {
    http::request_header<> h;
    h.method(http::verb::post);
    h.target(std::string("/v1/outbound/") + std::string(kind));
    h.version(11);
    h.set(http::field::authorization, std::string("Bearer ") + token);
    h.set(http::field::content_type, "application/json");
    return h;
  }

  static http::request_header<> get(std::string_view target) {
    http::request_header<> h;
    h.method(http::verb::get);
    h.target(target);
    h.version(11);
    return h;
  }
};

unsigned status_of(const std::optional<http_response>& r) {
  return r ? static_cast<unsigned>(r->result_int()) : 0;
}

TEST_F(AdminHeader, ACorrectCommandPasses) {
  EXPECT_FALSE(with_token.check_header(command()));
  auto h = command();
  h.set(http::field::content_type, "Application/JSON ; charset=utf-8");
  h.set(http::field::authorization, std::string("bearer  ") + token);
  EXPECT_FALSE(with_token.check_header(h));
}

TEST_F(AdminHeader, WithoutATokenTheEndpointIsOff) {
  const auto r = without_token.check_header(command());
  ASSERT_EQ(status_of(r), 403u);
  EXPECT_NE(r->body().find("server.admin_token"), std::string::npos) << r->body();
  EXPECT_FALSE(without_token.commands_enabled());
  EXPECT_TRUE(with_token.commands_enabled());
}

TEST_F(AdminHeader, MissingOrWrongBearerIs401WithAChallenge) {
  auto h = command();
  h.erase(http::field::authorization);
  auto r = with_token.check_header(h);
  ASSERT_EQ(status_of(r), 401u);
  EXPECT_TRUE((*r)[http::field::www_authenticate].starts_with("Bearer"));

  for (std::string bad :
       {std::string("Bearer wrong"), std::string("Bearer ") + token + "x",
        std::string("Bearer ") + std::string(token).substr(1), std::string("Basic ") + token,
        std::string(token), std::string("Bearer"), std::string("Bearer ")}) {
    h.set(http::field::authorization, bad);
    r = with_token.check_header(h);
    ASSERT_EQ(status_of(r), 401u) << bad;
    EXPECT_TRUE((*r)[http::field::www_authenticate].starts_with("Bearer")) << bad;
  }
  // Two Authorization headers: refused, whichever is right.
  h = command();
  h.insert(http::field::authorization, "Bearer wrong");
  EXPECT_EQ(status_of(with_token.check_header(h)), 401u);
}

TEST_F(AdminHeader, TheTokenIsCheckedBeforeTheKindIsTold) {
  auto h = command("no-such-kind");
  h.erase(http::field::authorization);
  EXPECT_EQ(status_of(with_token.check_header(h)), 401u);
  EXPECT_EQ(status_of(with_token.check_header(command("no-such-kind"))), 404u);
}

TEST_F(AdminHeader, OnlyJsonIsAccepted) {
  for (const char* type :
       {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/jsonx", "application/json-patch+json", ""}) {
    auto h = command();
    h.set(http::field::content_type, type);
    EXPECT_EQ(status_of(with_token.check_header(h)), 415u) << type;
  }
  auto h = command();
  h.erase(http::field::content_type);
  EXPECT_EQ(status_of(with_token.check_header(h)), 415u);
}

TEST_F(AdminHeader, AnyOriginIsRefused) {
  for (const char* origin : {"https://evil.example", "null", "http://127.0.0.1:9090"}) {
    auto h = command();
    h.set(http::field::origin, origin);
    EXPECT_EQ(status_of(with_token.check_header(h)), 403u) << origin;
  }
}

TEST_F(AdminHeader, MethodIsCheckedAfterTheToken) {
  auto h = command();
  h.method(http::verb::get);
  const auto r = with_token.check_header(h);
  ASSERT_EQ(status_of(r), 405u);
  EXPECT_EQ((*r)[http::field::allow], "POST");
}

TEST_F(AdminHeader, ProbesNeedNoCredentials) {
  for (const char* path : {"/healthz", "/readyz", "/metrics", "/metrics?x=1"}) {
    EXPECT_FALSE(with_token.check_header(get(path))) << path;
    EXPECT_FALSE(without_token.check_header(get(path))) << path;
    EXPECT_FALSE(with_token.check_probe_header(get(path))) << path;
  }
  auto h = get("/readyz");
  h.method(http::verb::post);
  EXPECT_EQ(status_of(with_token.check_header(h)), 405u);
  EXPECT_EQ(status_of(with_token.check_header(get("/nope"))), 404u);
}

TEST_F(AdminHeader, TheMetricsListenerServesNoCommands) {
  EXPECT_EQ(status_of(with_token.check_probe_header(command())), 404u);
  EXPECT_EQ(status_of(with_token.check_probe_header(get("/nope"))), 404u);
}

TEST(AdminExposure, LoopbackHosts) {
  for (const char* h :
       {"127.0.0.1", "127.1.2.3", "::1", "localhost", "LocalHost", "::ffff:127.0.0.1"})
    EXPECT_TRUE(is_loopback_host(h)) << h;
  for (const char* h :
       {"0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "gateway", "::ffff:10.0.0.1", "128.0.0.1", ""})
    EXPECT_FALSE(is_loopback_host(h)) << h;
}

TEST(AdminExposure, NotesAtStart) {
  server_settings s;
  EXPECT_TRUE(admin_exposure_notes(s, false).empty());
  auto notes = admin_exposure_notes(s, true);  // targets, no token: a note that it is off
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_FALSE(notes[0].first);
  EXPECT_NE(notes[0].second.find("off"), std::string::npos);

  s.admin_token = token;
  EXPECT_TRUE(admin_exposure_notes(s, true).empty());  // loopback: fine
  s.admin_listen = {"0.0.0.0", 9090};
  notes = admin_exposure_notes(s, true);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_TRUE(notes[0].first);
  EXPECT_NE(notes[0].second.find("0.0.0.0:9090"), std::string::npos);
  EXPECT_NE(notes[0].second.find("metrics_listen"), std::string::npos);
  s.metrics_listen = endpoint{"0.0.0.0", 9091};
  notes = admin_exposure_notes(s, false);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].second.find("metrics_listen"), std::string::npos);

  s.admin_token.clear();  // off: nothing to warn about, whatever the address
  EXPECT_TRUE(admin_exposure_notes(s, false).empty());
}

}  // namespace
}  // namespace rai::gateway
