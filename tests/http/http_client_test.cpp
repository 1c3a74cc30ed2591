#include "http/http_client.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/http/tls_test_server.hpp"
#include "tests/support/eintr.hpp"

namespace rai::gateway {
namespace {

using namespace std::chrono_literals;
using http_test::raw_response;
using http_test::recorded_request;
using http_test::reply;
using http_test::test_pki;
using http_test::test_server;
using observed = test_server::observed;

// ---------------------------------------------------------------------------
// parse_url

TEST(HttpClientParseUrl, AcceptsHttpAndHttpsWithDefaults) {
  auto a = parse_url("http://example.com");
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(a->tls);
  EXPECT_EQ(a->host, "example.com");
  EXPECT_EQ(a->port, 80);
  EXPECT_EQ(a->target, "/");

  auto b = parse_url("HTTPS://Api.Example.COM/hooks/in?x=1&y=%20");
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->tls);
  EXPECT_EQ(b->host, "api.example.com");
  EXPECT_EQ(b->port, 443);
  EXPECT_EQ(b->target, "/hooks/in?x=1&y=%20");

  auto c = parse_url("https://10.1.2.3:8443");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->host, "10.1.2.3");
  EXPECT_EQ(c->port, 8443);
  EXPECT_EQ(c->target, "/");

  auto d = parse_url("http://h?q=1");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->target, "/?q=1");

  auto e = parse_url("http://my_host-1.local:65535/a/b/");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->port, 65535);
  EXPECT_EQ(e->target, "/a/b/");
}

TEST(HttpClientParseUrl, AcceptsIpv6Literals) {
  auto a = parse_url("https://[::1]:9000/x");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 9000);
  EXPECT_EQ(a->target, "/x");

  auto b = parse_url("http://[2001:DB8::1]");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->host, "2001:db8::1");
  EXPECT_EQ(b->port, 80);
}

TEST(HttpClientParseUrl, RejectsEverythingElse) {
  const char* bad[] = {
      "",
      "example.com/x",
      "ftp://example.com/",
      "http:/example.com",
      "http://",
      "http:///path",
      "http://user:pw@example.com/",
      "http://user@example.com/",
      "http://example.com/#frag",
      "http://example.com#",
      "http://example.com/a b",
      " http://example.com/",
      "http://example.com/\t",
      "http://example.com/\r\nX-Injected: 1",
      "http://exa\x01mple.com/",
      "http://example.com/\x7f",
      "http://ex\xc3\xa4mple.com/",
      "http://example.com:/",
      "http://example.com:0/",
      "http://example.com:65536/",
      "http://example.com:123456/",
      "http://example.com:8a/",
      "http://example.com:-1/",
      "http://example.com:80:81/",
      "http://[::1/",
      "http://[::1]x/",
      "http://[zz::1]/",
      "http://[]/",
      "http://[fe80::1%25eth0]/",
      "http://::1/",
      "http://exa%41mple.com/",
  };
  for (const char* url : bad) {
    auto r = parse_url(url);
    EXPECT_FALSE(r.has_value()) << "accepted: " << url;
    if (!r.has_value()) {
      EXPECT_EQ(r.error(), http_client_errc::bad_url) << url;
    }
  }
  // Embedded NUL.
  EXPECT_FALSE(parse_url(std::string_view("http://a\0b/", 11)).has_value());
}

// ---------------------------------------------------------------------------
// Client against loopback servers

http_request post(std::string body, std::string id = "cmd-1") {
  http_request req{http::verb::post, "/ignored", 11};
  req.set(http::field::content_type, "application/json");
  req.set("x-api-key", "test-key");
  req.set("Idempotency-Key", id);
  req.body() = std::move(body);
  return req;
}

reply ok(std::string_view body = "{\"ok\":true}") {
  return reply{raw_response(200, body)};
}

std::string local(std::uint16_t port, bool tls = false, std::string_view host = "127.0.0.1",
                  std::string_view path = "/hook") {
  return std::string(tls ? "https://" : "http://") + std::string(host) + ":" +
         std::to_string(port) + std::string(path);
}

// A loopback port with nothing listening on it.
std::uint16_t closed_port() {
  net::io_context ioc;
  tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

class HttpClient : public ::testing::Test {
 protected:
  http_outcome send(http_client& client, const std::string& url, http_request req,
                    std::chrono::milliseconds timeout = 3s, const std::string& ca_file = {}) {
    const auto parsed = parse_url(url);
    EXPECT_TRUE(parsed.has_value()) << url;
    std::optional<http_outcome> out;
    net::co_spawn(ioc_, client.send(parsed.value(), std::move(req), timeout, ca_file),
                  [&](std::exception_ptr e, http_outcome o) {
                    if (e) std::rethrow_exception(e);
                    out = std::move(o);
                  });
    ioc_.restart();
    ioc_.run();
    EXPECT_TRUE(out.has_value());
    return out.value_or(http_outcome{});
  }

  static http_client_settings settings() {
    http_client_settings s;
    s.connect_timeout = 2s;
    return s;
  }

  net::io_context ioc_;
};

TEST_F(HttpClient, PlainRoundTripCarriesHeadersAndBody) {
  test_server server([](const recorded_request&) {
    return reply{raw_response(202, "{\"queued\":1}", "Content-Type: application/json\r\n")};
  });
  http_client client(ioc_, settings());

  const auto out =
      send(client, local(server.port(), false, "127.0.0.1", "/in/hook?k=v"), post("{\"a\":1}"));
  ASSERT_FALSE(out.error) << out.error_detail;
  EXPECT_EQ(out.status, 202u);
  EXPECT_EQ(out.body, "{\"queued\":1}");
  EXPECT_FALSE(out.retry_after.has_value());
  EXPECT_TRUE(out.location.empty());

  const auto seen = server.seen();
  ASSERT_EQ(seen.requests.size(), 1u);
  const auto& req = seen.requests[0].message;
  EXPECT_EQ(req.method(), http::verb::post);
  EXPECT_EQ(req.target(), "/in/hook?k=v");
  EXPECT_EQ(req[http::field::host], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(req[http::field::content_length], "7");
  EXPECT_EQ(req[http::field::content_type], "application/json");
  EXPECT_EQ(req["x-api-key"], "test-key");
  EXPECT_EQ(req["Idempotency-Key"], "cmd-1");
  EXPECT_EQ(req.body(), "{\"a\":1}");
}

TEST_F(HttpClient, HttpsWithTestCaSucceedsAndSendsSni) {
  const auto& pki = test_pki::get();
  test_server server(pki.localhost, [](const recorded_request&) { return ok(); });
  http_client client(ioc_, settings());

  const auto out =
      send(client, local(server.port(), true, "localhost"), post("{}"), 3s, pki.ca_file);
  ASSERT_FALSE(out.error) << out.error_detail;
  EXPECT_EQ(out.status, 200u);
  EXPECT_EQ(out.body, "{\"ok\":true}");

  const auto seen = server.seen();
  ASSERT_EQ(seen.server_names.size(), 1u);
  EXPECT_EQ(seen.server_names[0], "localhost");
  ASSERT_EQ(seen.requests.size(), 1u);
  EXPECT_EQ(seen.requests[0].message[http::field::host],
            "localhost:" + std::to_string(server.port()));
}

TEST_F(HttpClient, HttpsToIpLiteralVerifiesTheIpSan) {
  const auto& pki = test_pki::get();
  test_server server(pki.localhost, [](const recorded_request&) { return ok(); });
  http_client client(ioc_, settings());

  const auto out = send(client, local(server.port(), true), post("{}"), 3s, pki.ca_file);
  ASSERT_FALSE(out.error) << out.error_detail;
  EXPECT_EQ(out.status, 200u);
  const auto seen = server.seen();
  ASSERT_EQ(seen.server_names.size(), 1u);
  EXPECT_EQ(seen.server_names[0], "");  // no SNI for an IP address
}

TEST_F(HttpClient, HttpsWithoutTheCaIsRejectedBeforeAnyRequest) {
  const auto& pki = test_pki::get();
  test_server server(pki.localhost, [](const recorded_request&) { return ok(); });
  http_client client(ioc_, settings());

  const auto out = send(client, local(server.port(), true, "localhost"), post("{\"secret\":1}"));
  EXPECT_EQ(out.error, http_client_errc::tls_certificate_rejected) << out.error_detail;
  EXPECT_EQ(out.status, 0u);
  EXPECT_NE(out.error_detail.find("local issuer"), std::string::npos) << out.error_detail;
  EXPECT_NE(out.error_detail.find("localhost:"), std::string::npos) << out.error_detail;
  ASSERT_TRUE(server.wait_until([](const observed& s) { return s.handshake_failures == 1; }));
  EXPECT_TRUE(server.seen().requests.empty());
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(HttpClient, HostnameMismatchIsRejected) {
  const auto& pki = test_pki::get();
  // Valid chain, but the certificate names only other.invalid.
  test_server server(pki.other_name, [](const recorded_request&) { return ok(); });
  http_client client(ioc_, settings());

  const auto by_ip = send(client, local(server.port(), true), post("{}"), 3s, pki.ca_file);
  EXPECT_EQ(by_ip.error, http_client_errc::tls_certificate_rejected) << by_ip.error_detail;
  EXPECT_NE(by_ip.error_detail.find("mismatch"), std::string::npos) << by_ip.error_detail;

  const auto by_name =
      send(client, local(server.port(), true, "localhost"), post("{}"), 3s, pki.ca_file);
  EXPECT_EQ(by_name.error, http_client_errc::tls_certificate_rejected) << by_name.error_detail;
  EXPECT_NE(by_name.error_detail.find("mismatch"), std::string::npos) << by_name.error_detail;

  ASSERT_TRUE(server.wait_until([](const observed& s) { return s.handshake_failures == 2; }));
  EXPECT_TRUE(server.seen().requests.empty());
}

TEST_F(HttpClient, HttpsToAPlainServerSendsNothingInClear) {
  test_server server([](const recorded_request&) { return ok(); });
  http_client client(ioc_, settings());

  const auto out =
      send(client, local(server.port(), true), post("{\"secret\":1}"), 3s, test_pki::get().ca_file);
  EXPECT_EQ(out.error, http_client_errc::tls_handshake_failed) << out.error_detail;
  EXPECT_EQ(out.status, 0u);
  ASSERT_TRUE(server.wait_until([](const observed& s) { return !s.unparsed.empty(); }));
  const auto seen = server.seen();
  EXPECT_TRUE(seen.requests.empty());
  EXPECT_EQ(seen.unparsed[0], '\x16');  // a TLS handshake record
  EXPECT_EQ(seen.unparsed.find("secret"), std::string::npos);
  EXPECT_EQ(seen.unparsed.find("test-key"), std::string::npos);
}

TEST_F(HttpClient, UnloadableCaFileIsAnError) {
  const auto& pki = test_pki::get();
  test_server server(pki.localhost, [](const recorded_request&) { return ok(); });
  http_client client(ioc_, settings());

  const auto missing = send(client, local(server.port(), true), post("{}"), 3s,
                            (pki.dir / "does-not-exist.pem").string());
  EXPECT_EQ(missing.error, http_client_errc::bad_ca_file) << missing.error_detail;
  const auto junk = send(client, local(server.port(), true), post("{}"), 3s, pki.unrelated_file);
  EXPECT_EQ(junk.error, http_client_errc::bad_ca_file) << junk.error_detail;
  EXPECT_EQ(server.seen().connections, 0u);
}

TEST_F(HttpClient, KeepAliveReusesOneConnection) {
  test_server server([](const recorded_request&) { return ok(); });
  http_client client(ioc_, settings());
  const auto url = local(server.port());

  const auto first = send(client, url, post("1"));
  ASSERT_FALSE(first.error) << first.error_detail;
  EXPECT_EQ(client.idle_connections(), 1u);
  const auto second = send(client, url, post("2"));
  ASSERT_FALSE(second.error) << second.error_detail;
  EXPECT_EQ(client.idle_connections(), 1u);

  const auto seen = server.seen();
  EXPECT_EQ(seen.connections, 1u);
  ASSERT_EQ(seen.requests.size(), 2u);
  EXPECT_EQ(seen.requests[1].connection, 0u);
  EXPECT_EQ(seen.requests[1].message.body(), "2");
}

TEST_F(HttpClient, TlsKeepAliveReusesOneConnectionPerCaFile) {
  const auto& pki = test_pki::get();
  test_server server(pki.localhost, [](const recorded_request&) { return ok(); });
  http_client client(ioc_, settings());
  const auto url = local(server.port(), true, "localhost");

  for (int i = 0; i < 3; ++i) {
    const auto out = send(client, url, post("x"), 3s, pki.ca_file);
    ASSERT_FALSE(out.error) << out.error_detail;
  }
  EXPECT_EQ(server.seen().connections, 1u);
  EXPECT_EQ(server.seen().server_names.size(), 1u);  // one handshake
  EXPECT_EQ(client.idle_connections(), 1u);

  // The same host with a different trust setting never shares a connection.
  const auto other = send(client, url, post("x"), 3s);
  EXPECT_EQ(other.error, http_client_errc::tls_certificate_rejected);
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST_F(HttpClient, ServerClosingThePooledConnectionMeansReconnect) {
  // Answers keep-alive, then closes anyway (as a server's idle timeout would).
  test_server server([](const recorded_request&) {
    reply r = ok();
    r.close = true;
    return r;
  });
  http_client client(ioc_, settings());
  const auto url = local(server.port());

  ASSERT_FALSE(send(client, url, post("1")).error);
  ASSERT_EQ(client.idle_connections(), 1u);
  ASSERT_TRUE(server.wait_until([](const observed& s) { return s.closed_by_server == 1; }));

  const auto second = send(client, url, post("2"));
  ASSERT_FALSE(second.error) << second.error_detail;
  EXPECT_EQ(second.status, 200u);
  const auto seen = server.seen();
  EXPECT_EQ(seen.connections, 2u);
  EXPECT_EQ(seen.requests.size(), 2u);
}

TEST_F(HttpClient, PooledConnectionEndingBeforeAnyResponseByteIsResentOnce) {
  // Connection 0: answers its first request, drops its second unanswered.
  test_server server([n = 0](const recorded_request& r) mutable {
    if (r.connection == 0 && n++ == 1) return reply{{}, true};
    return ok();
  });
  http_client client(ioc_, settings());
  const auto url = local(server.port());

  ASSERT_FALSE(send(client, url, post("1", "id-1")).error);
  const auto second = send(client, url, post("2", "id-2"));
  ASSERT_FALSE(second.error) << second.error_detail;
  EXPECT_EQ(second.status, 200u);

  const auto seen = server.seen();
  EXPECT_EQ(seen.connections, 2u);
  ASSERT_EQ(seen.requests.size(), 3u);
  EXPECT_EQ(seen.requests[2].connection, 1u);
  EXPECT_EQ(seen.requests[2].message["Idempotency-Key"], "id-2");
  EXPECT_EQ(seen.requests[2].message.body(), "2");
}

TEST_F(HttpClient, TlsPooledConnectionEndingBeforeAnyResponseByteIsResentOnce) {
  const auto& pki = test_pki::get();
  // Drops the second request on connection 0 without a TLS close_notify.
  test_server server(pki.localhost, [n = 0](const recorded_request& r) mutable {
    if (r.connection == 0 && n++ == 1) return reply{{}, true};
    return ok();
  });
  http_client client(ioc_, settings());
  const auto url = local(server.port(), true, "localhost");

  ASSERT_FALSE(send(client, url, post("1"), 3s, pki.ca_file).error);
  const auto second = send(client, url, post("2"), 3s, pki.ca_file);
  ASSERT_FALSE(second.error) << second.error_detail;
  EXPECT_EQ(second.status, 200u);
  const auto seen = server.seen();
  EXPECT_EQ(seen.connections, 2u);
  ASSERT_EQ(seen.requests.size(), 3u);
  EXPECT_EQ(seen.requests[2].connection, 1u);
}

TEST_F(HttpClient, PartialResponseIsNeverResent) {
  test_server server([n = 0](const recorded_request&) mutable {
    if (n++ == 1) return reply{"HTTP/1.1 200 OK\r\nContent-Len", true};
    return ok();
  });
  http_client client(ioc_, settings());
  const auto url = local(server.port());

  ASSERT_FALSE(send(client, url, post("1")).error);
  const auto second = send(client, url, post("2"));
  EXPECT_EQ(second.error, http_client_errc::connection_closed) << second.error_detail;
  EXPECT_EQ(second.status, 0u);
  EXPECT_EQ(server.seen().requests.size(), 2u);
  EXPECT_EQ(server.seen().connections, 1u);
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(HttpClient, FreshConnectionClosedWithoutAnswerIsNotResent) {
  test_server server([](const recorded_request&) { return reply{{}, true}; });
  http_client client(ioc_, settings());

  const auto out = send(client, local(server.port()), post("1"));
  EXPECT_EQ(out.error, http_client_errc::connection_closed) << out.error_detail;
  EXPECT_EQ(server.seen().requests.size(), 1u);
  EXPECT_EQ(server.seen().connections, 1u);
}

TEST_F(HttpClient, RedirectIsReturnedNotFollowed) {
  std::string location;
  test_server server([&location](const recorded_request&) {
    return reply{raw_response(302, "moved", "Location: " + location + "\r\n")};
  });
  location = local(server.port(), false, "127.0.0.1", "/elsewhere");
  http_client client(ioc_, settings());

  const auto out = send(client, local(server.port()), post("{}"));
  ASSERT_FALSE(out.error) << out.error_detail;
  EXPECT_EQ(out.status, 302u);
  EXPECT_EQ(out.location, location);
  EXPECT_EQ(out.body, "moved");
  const auto seen = server.seen();
  ASSERT_EQ(seen.requests.size(), 1u);
  EXPECT_EQ(seen.requests[0].message.target(), "/hook");
}

TEST_F(HttpClient, RetryAfterAndErrorStatusesAreReturned) {
  test_server server([](const recorded_request&) {
    return reply{raw_response(503, "busy", "Retry-After: 120\r\n")};
  });
  http_client client(ioc_, settings());

  const auto out = send(client, local(server.port()), post("{}"));
  ASSERT_FALSE(out.error) << out.error_detail;
  EXPECT_EQ(out.status, 503u);
  ASSERT_TRUE(out.retry_after.has_value());
  EXPECT_EQ(*out.retry_after, "120");
  EXPECT_EQ(out.body, "busy");
}

TEST_F(HttpClient, InterimResponsesAreSkipped) {
  test_server server([](const recorded_request&) {
    return reply{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" +
                 raw_response(201, "made")};
  });
  http_client client(ioc_, settings());

  const auto out = send(client, local(server.port()), post("{}"));
  ASSERT_FALSE(out.error) << out.error_detail;
  EXPECT_EQ(out.status, 201u);
  EXPECT_EQ(out.body, "made");
  EXPECT_EQ(client.idle_connections(), 1u);
}

// The server did answer: its status stands (a 2xx means delivered, and must
// not be resent); only the excess body is dropped, with the connection.
TEST_F(HttpClient, BodyOverTheLimitKeepsTheStatusAndDropsTheConnection) {
  test_server server([](const recorded_request& r) {
    return reply{raw_response(200, std::string(r.message.body() == "big" ? 1025 : 1024, 'x'))};
  });
  auto s = settings();
  s.max_response_body = 1024;
  http_client client(ioc_, s);
  const auto url = local(server.port());

  const auto at_limit = send(client, url, post("exact"));
  ASSERT_FALSE(at_limit.error) << at_limit.error_detail;
  EXPECT_EQ(at_limit.body.size(), 1024u);
  EXPECT_EQ(client.idle_connections(), 1u);

  const auto over = send(client, url, post("big"));
  EXPECT_FALSE(over.error) << over.error_detail;
  EXPECT_EQ(over.status, 200u);
  EXPECT_LE(over.body.size(), 1024u);
  EXPECT_EQ(client.idle_connections(), 0u);

  ASSERT_FALSE(send(client, url, post("exact")).error);
  EXPECT_EQ(server.seen().connections, 2u);
}

TEST_F(HttpClient, ChunkedBodyOverTheLimitKeepsTheStatus) {
  test_server server([](const recorded_request&) {
    std::string raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) raw += "200\r\n" + std::string(512, 'y') + "\r\n";
    raw += "0\r\n\r\n";
    return reply{raw};
  });
  auto s = settings();
  s.max_response_body = 1024;
  http_client client(ioc_, s);

  const auto out = send(client, local(server.port()), post("{}"));
  EXPECT_FALSE(out.error) << out.error_detail;
  EXPECT_EQ(out.status, 200u);
  EXPECT_LE(out.body.size(), 1024u);
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(HttpClient, HeaderOverSixteenKibIsAnError) {
  test_server server([](const recorded_request&) {
    return reply{raw_response(200, "", "X-Big: " + std::string(17 * 1024, 'h') + "\r\n")};
  });
  http_client client(ioc_, settings());

  const auto out = send(client, local(server.port()), post("{}"));
  EXPECT_EQ(out.error, http_client_errc::response_too_large) << out.error_detail;
}

TEST_F(HttpClient, MalformedResponseIsAnError) {
  test_server server([](const recorded_request&) { return reply{"HTTP/1.1 2xx Nope\r\n\r\n"}; });
  http_client client(ioc_, settings());

  const auto out = send(client, local(server.port()), post("{}"));
  EXPECT_EQ(out.error, http_client_errc::bad_response) << out.error_detail;
}

TEST_F(HttpClient, ConnectionCloseResponseIsNotPooled) {
  test_server server([](const recorded_request&) {
    return reply{raw_response(200, "bye", "Connection: close\r\n")};
  });
  http_client client(ioc_, settings());

  const auto out = send(client, local(server.port()), post("{}"));
  ASSERT_FALSE(out.error) << out.error_detail;
  EXPECT_EQ(out.body, "bye");
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(HttpClient, BytesBeyondTheResponseMeanNoReuse) {
  // An unrequested second response would be taken as the answer to the next request.
  test_server server([](const recorded_request&) {
    return reply{raw_response(200, "one") + raw_response(200, "stray")};
  });
  http_client client(ioc_, settings());

  const auto out = send(client, local(server.port()), post("{}"));
  ASSERT_FALSE(out.error) << out.error_detail;
  EXPECT_EQ(out.body, "one");
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(HttpClient, HeadResponseHasNoBodyAndKeepsTheConnection) {
  test_server server([](const recorded_request&) {
    return reply{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"};
  });
  http_client client(ioc_, settings());

  http_request head{http::verb::head, "/", 11};
  const auto out = send(client, local(server.port()), std::move(head), 500ms);
  ASSERT_FALSE(out.error) << out.error_detail;
  EXPECT_EQ(out.status, 200u);
  EXPECT_TRUE(out.body.empty());
  EXPECT_EQ(client.idle_connections(), 1u);
}

TEST_F(HttpClient, IdleTimeoutAndPoolBoundDiscardConnections) {
  test_server server([](const recorded_request&) { return ok(); });
  auto expired = settings();
  expired.idle_timeout = 0ms;  // every pooled connection is already too old
  http_client client(ioc_, expired);
  const auto url = local(server.port());
  ASSERT_FALSE(send(client, url, post("1")).error);
  ASSERT_FALSE(send(client, url, post("2")).error);
  EXPECT_EQ(server.seen().connections, 2u);

  auto unpooled = settings();
  unpooled.max_idle_per_host = 0;
  http_client no_pool(ioc_, unpooled);
  ASSERT_FALSE(send(no_pool, url, post("3")).error);
  EXPECT_EQ(no_pool.idle_connections(), 0u);
  ASSERT_FALSE(send(no_pool, url, post("4")).error);
  EXPECT_EQ(server.seen().connections, 4u);
}

TEST_F(HttpClient, ResponseTimeout) {
  test_server server([](const recorded_request&) { return reply{{}, false, true}; });
  http_client client(ioc_, settings());

  const auto start = std::chrono::steady_clock::now();
  const auto out = send(client, local(server.port()), post("{}"), 200ms);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.error, http_client_errc::response_timeout) << out.error_detail;
  EXPECT_GE(elapsed, 190ms);
  EXPECT_LT(elapsed, 1500ms);
  EXPECT_EQ(server.seen().requests.size(), 1u);  // never resent
  EXPECT_EQ(client.idle_connections(), 0u);
}

TEST_F(HttpClient, ConnectTimeoutWhenTheListenBacklogIsFull) {
  // A listener that never accepts, with backlog 0: once its accept queue is
  // full, Linux drops further SYNs, so a connect hangs until its deadline.
  net::io_context aux;
  tcp::acceptor acceptor(aux);
  acceptor.open(tcp::v4());
  acceptor.bind({net::ip::make_address("127.0.0.1"), 0});
  acceptor.listen(0);
  const auto port = acceptor.local_endpoint().port();

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<int> fillers;
  bool saturated = false;
  for (int i = 0; i < 16 && !saturated; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ASSERT_GE(fd, 0);
    fillers.push_back(fd);
    if (test::connect_eintr(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0)
      continue;
    ASSERT_EQ(errno, EINPROGRESS);
    pollfd p{fd, POLLOUT, 0};
    saturated = test::poll_eintr(&p, 1, 100) == 0;
  }
  auto close_fillers = [&] {
    for (const int fd : fillers) ::close(fd);
  };
  if (!saturated) {
    close_fillers();
    GTEST_SKIP() << "this kernel does not leave connects pending on a full backlog";
  }

  auto s = settings();
  s.connect_timeout = 300ms;
  http_client client(ioc_, s);
  const auto start = std::chrono::steady_clock::now();
  const auto out = send(client, local(port), post("{}"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  close_fillers();
  EXPECT_EQ(out.error, http_client_errc::connect_timeout) << out.error_detail;
  EXPECT_GE(elapsed, 290ms);
  EXPECT_LT(elapsed, 2s);
}

TEST_F(HttpClient, TlsHandshakeCountsAgainstTheConnectTimeout) {
  http_test::silent_server server;  // accepts, never answers the ClientHello
  auto s = settings();
  s.connect_timeout = 300ms;
  http_client client(ioc_, s);

  const auto start = std::chrono::steady_clock::now();
  const auto out =
      send(client, local(server.port(), true), post("{}"), 10s, test_pki::get().ca_file);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.error, http_client_errc::connect_timeout) << out.error_detail;
  EXPECT_GE(elapsed, 290ms);
  EXPECT_LT(elapsed, 2s);
}

TEST_F(HttpClient, ConnectionRefusedFailsFast) {
  http_client client(ioc_, settings());
  const auto start = std::chrono::steady_clock::now();
  const auto out = send(client, local(closed_port()), post("{}"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out.error, boost::system::errc::connection_refused) << out.error_detail;
  EXPECT_EQ(out.status, 0u);
  EXPECT_NE(out.error_detail.find("connecting to 127.0.0.1:"), std::string::npos);
  EXPECT_LT(elapsed, 1s);
}

TEST_F(HttpClient, RequestWithoutMethodIsRefused) {
  http_client client(ioc_, settings());
  const auto out = send(client, local(closed_port()), http_request{});
  EXPECT_EQ(out.error, http_client_errc::bad_request);
}

TEST_F(HttpClient, ConcurrentSendsFromSeveralThreadsShareThePool) {
  test_server server([](const recorded_request&) { return ok(); });
  http_client client(ioc_, settings());
  const auto url = parse_url(local(server.port())).value();

  constexpr int senders = 8;
  constexpr int rounds = 5;
  std::atomic<int> succeeded{0};
  for (int i = 0; i < senders; ++i) {
    net::co_spawn(
        net::make_strand(ioc_),
        [&]() -> net::awaitable<void> {
          for (int r = 0; r < rounds; ++r) {
            auto out = co_await client.send(url, post("c"), 3s);
            if (!out.error && out.status == 200) ++succeeded;
          }
        },
        net::detached);
  }
  std::thread other([this] { ioc_.run(); });
  ioc_.run();
  other.join();

  EXPECT_EQ(succeeded.load(), senders * rounds);
  EXPECT_EQ(server.seen().requests.size(), static_cast<std::size_t>(senders * rounds));
  EXPECT_LE(server.seen().connections, static_cast<std::size_t>(senders));
  EXPECT_EQ(client.idle_connections(), server.seen().connections);
}

}  // namespace
}  // namespace rai::gateway
