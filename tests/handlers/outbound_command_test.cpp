#include "handlers/outbound_command.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <unordered_set>

#include "handlers/outbound_errc.hpp"

namespace rai::handlers {
namespace {

using namespace std::chrono_literals;

// --- errc --------------------------------------------------------------------------------

TEST(OutboundErrc, CategoryAndMessages) {
  EXPECT_STREQ(outbound_category().name(), "rai.outbound");
  std::set<std::string> messages;
  for (const auto e : {outbound_errc::invalid_settings, outbound_errc::bad_iv_length,
                       outbound_errc::encryption_failed, outbound_errc::bad_handshake_response,
                       outbound_errc::missing_session_token, outbound_errc::bad_session_token}) {
    const boost::system::error_code ec = e;  // via is_error_code_enum
    EXPECT_EQ(&ec.category(), &outbound_category());
    EXPECT_EQ(ec.value(), static_cast<int>(e));
    EXPECT_TRUE(ec.failed());
    messages.insert(ec.message());
    char buf[8];
    EXPECT_EQ(std::string(outbound_category().message(ec.value(), buf, sizeof buf)),
              ec.message().substr(0, 7));
  }
  EXPECT_EQ(messages.size(), 6u);
  EXPECT_EQ(outbound_category().message(999), "unknown outbound error");
  EXPECT_NE(make_error_code(outbound_errc::bad_iv_length),
            make_error_code(inbound_errc::bad_envelope));
}

// --- dead_reason -------------------------------------------------------------------------

TEST(DeadReason, HeaderValues) {
  EXPECT_EQ(to_string(dead_reason::rejected), "rejected");
  EXPECT_EQ(to_string(dead_reason::exhausted), "exhausted");
  EXPECT_EQ(to_string(dead_reason::no_target), "no-target");
  EXPECT_EQ(to_string(dead_reason::invalid), "invalid");
}

// --- idempotency keys --------------------------------------------------------------------

bool is_uuid_v4(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return s[14] == '4' && (s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b');
}

TEST(IdempotencyKey, FormatKnownAnswers) {
  std::array<std::uint8_t, 16> b{};
  EXPECT_EQ(format_uuid_v4(b), "00000000-0000-4000-8000-000000000000");
  b.fill(0xFF);
  EXPECT_EQ(format_uuid_v4(b), "ffffffff-ffff-4fff-bfff-ffffffffffff");
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(format_uuid_v4(b), "00010203-0405-4607-8809-0a0b0c0d0e0f");
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::uint8_t>(0xA0 + i);
  EXPECT_EQ(format_uuid_v4(b), "a0a1a2a3-a4a5-46a7-a8a9-aaabacadaeaf");
}

TEST(IdempotencyKey, NewKeysAreUuidV4AndUnique) {
  std::unordered_set<std::string> keys;
  std::set<char> variants;
  std::set<char> first_digits;
  constexpr int n = 10'000;
  for (int i = 0; i < n; ++i) {
    const auto k = new_idempotency_key();
    ASSERT_TRUE(is_uuid_v4(k)) << k;
    ASSERT_TRUE(valid_idempotency_key(k)) << k;
    variants.insert(k[19]);
    first_digits.insert(k[0]);
    keys.insert(k);
  }
  EXPECT_EQ(keys.size(), static_cast<std::size_t>(n));
  // The random bits are really random: all four variant digits and all 16
  // leading digits appear.
  EXPECT_EQ(variants.size(), 4u);
  EXPECT_EQ(first_digits.size(), 16u);
}

TEST(IdempotencyKey, Validity) {
  EXPECT_TRUE(valid_idempotency_key("a"));
  EXPECT_TRUE(valid_idempotency_key("cmd-2024-01-01_#42"));
  EXPECT_TRUE(valid_idempotency_key(std::string(200, 'k')));
  std::string visible;
  for (int c = 0x21; c <= 0x7E; ++c) visible += static_cast<char>(c);
  EXPECT_TRUE(valid_idempotency_key(visible));

  EXPECT_FALSE(valid_idempotency_key(""));
  EXPECT_FALSE(valid_idempotency_key(std::string(201, 'k')));
  for (const int bad : {0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x7F, 0x80, 0xC3, 0xFF}) {
    const std::string k = std::string("ab") + static_cast<char>(bad) + "cd";
    EXPECT_FALSE(valid_idempotency_key(k)) << bad;
  }
  EXPECT_FALSE(valid_idempotency_key("abc\r\nX-Injected: 1"));
  EXPECT_FALSE(valid_idempotency_key(" abc"));
  EXPECT_FALSE(valid_idempotency_key("Zo\xc3\xab"));
}

// --- kinds and payloads ------------------------------------------------------------------

TEST(KindName, Validity) {
  for (const char* k : {"channel-message", "user-fields", "currency", "registration", "kyc",
                        "first-deposit", "a", "0", "-", "v2-kind"}) {
    EXPECT_TRUE(valid_kind_name(k)) << k;
  }
  EXPECT_TRUE(valid_kind_name(std::string(64, 'x')));
  EXPECT_FALSE(valid_kind_name(std::string(65, 'x')));
  for (const char* k : {"", "Currency", "user_fields", "kyc ", " kyc", "a/b", "a.b", "a:b",
                        "caf\xc3\xa9", "a\nb"}) {
    EXPECT_FALSE(valid_kind_name(k)) << k;
  }
  EXPECT_FALSE(valid_kind_name(std::string_view("a\0b", 3)));
}

TEST(JsonObject, Accepts) {
  for (const char* b :
       {"{}", " {\"a\":1} \n", "{\"user\":{\"name\":\"Zo\xc3\xab\"},\"n\":[1,2]}", "\t\r\n{}\t"}) {
    EXPECT_TRUE(is_json_object(b)) << b;
  }
}

TEST(JsonObject, Refuses) {
  for (const char* b : {"", " ", "[]", "[{}]", "1", "\"s\"", "null", "true", "{", "}", "{\"a\":}",
                        "{\"a\":1,}", "{}{}", "{} x", "{'a':1}", "{\"a\":\"\xff\"}"}) {
    EXPECT_FALSE(is_json_object(b)) << b;
  }
  EXPECT_FALSE(is_json_object(std::string_view("{}\0", 3)));
}

TEST(JsonObject, LargeBody) {
  std::string body = "{\"items\":[";
  for (int i = 0; i < 50'000; ++i) body += (i ? ",\"" : "\"") + std::to_string(i) + "\"";
  body += "]}";
  EXPECT_TRUE(is_json_object(body));
  body.pop_back();
  EXPECT_FALSE(is_json_object(body));
}

// --- workflow handshake ------------------------------------------------------------------

session_token parse_ok(std::string_view body) {
  const auto r = parse_handshake_response(body);
  EXPECT_TRUE(r) << body;
  return r ? *r : session_token{};
}

void expect_error(std::string_view body, outbound_errc e) {
  const auto r = parse_handshake_response(body);
  ASSERT_FALSE(r) << body;
  EXPECT_EQ(r.error(), make_error_code(e)) << body;
}

TEST(Handshake, TokenFromData) {
  const auto t = parse_ok(R"({"success":true,"data":{"sessionToken":"tok-123"}})");
  EXPECT_EQ(t.token, "tok-123");
  EXPECT_EQ(t.ttl, std::nullopt);
}

TEST(Handshake, TokenFromTopLevel) {
  EXPECT_EQ(parse_ok(R"({"sessionToken":"old-style"})").token, "old-style");
  EXPECT_EQ(parse_ok(R"({"data":"nope","sessionToken":"old-style"})").token, "old-style");
  EXPECT_EQ(parse_ok(R"({"data":{},"sessionToken":"old-style"})").token, "old-style");
}

TEST(Handshake, DataWinsOverTopLevel) {
  EXPECT_EQ(parse_ok(R"({"sessionToken":"top","data":{"sessionToken":"inner"}})").token, "inner");
}

TEST(Handshake, UnusableDataTokenFallsBackToTopLevel) {
  EXPECT_EQ(parse_ok(R"({"data":{"sessionToken":""},"sessionToken":"top"})").token, "top");
  EXPECT_EQ(parse_ok(R"({"data":{"sessionToken":42},"sessionToken":"top"})").token, "top");
  EXPECT_EQ(parse_ok(R"({"data":{"sessionToken":null},"sessionToken":"top"})").token, "top");
}

TEST(Handshake, MissingToken) {
  for (const char* b :
       {R"({})", R"({"data":{}})", R"({"sessionToken":""})", R"({"sessionToken":123})",
        R"({"sessionToken":{"v":"x"}})", R"({"data":{"token":"x"}})", R"({"session_token":"x"})",
        R"({"data":{"sessionToken":""},"sessionToken":null})"}) {
    expect_error(b, outbound_errc::missing_session_token);
  }
}

TEST(Handshake, NotAJsonObject) {
  for (const char* b : {"", "sessionToken", "[]", R"(["sessionToken"])", "\"tok\"", "{",
                        R"({"data":{"sessionToken":"x"})", "<html>502</html>"}) {
    expect_error(b, outbound_errc::bad_handshake_response);
  }
}

TEST(Handshake, TokenMustBeHeaderSafe) {
  for (const char* b : {R"({"sessionToken":"a b"})", R"({"sessionToken":"a\r\nX-Evil: 1"})",
                        R"({"sessionToken":"a\tb"})", R"({"data":{"sessionToken":"caf\u00e9"}})",
                        R"({"sessionToken":"\u0000"})"}) {
    expect_error(b, outbound_errc::bad_session_token);
  }
  const std::string long_ok = "{\"sessionToken\":\"" + std::string(8192, 't') + "\"}";
  EXPECT_EQ(parse_ok(long_ok).token.size(), 8192u);
  const std::string too_long = "{\"sessionToken\":\"" + std::string(8193, 't') + "\"}";
  expect_error(too_long, outbound_errc::bad_session_token);
  // A JWT-looking token passes untouched.
  const std::string jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-_=+/";
  EXPECT_EQ(parse_ok("{\"sessionToken\":\"" + jwt + "\"}").token, jwt);
}

TEST(Handshake, TtlSources) {
  EXPECT_EQ(parse_ok(R"({"data":{"sessionToken":"t","expiresIn":300}})").ttl, 300s);
  EXPECT_EQ(parse_ok(R"({"data":{"sessionToken":"t"},"expiresIn":120})").ttl, 120s);
  EXPECT_EQ(parse_ok(R"({"data":{"sessionToken":"t","ttl":60}})").ttl, 60s);
  EXPECT_EQ(parse_ok(R"({"sessionToken":"t","ttl":45})").ttl, 45s);
  EXPECT_EQ(parse_ok(R"({"sessionToken":"t","expiresIn":1})").ttl, 1s);
}

TEST(Handshake, TtlPrecedence) {
  EXPECT_EQ(
      parse_ok(R"({"ttl":4,"expiresIn":2,"data":{"ttl":3,"expiresIn":1,"sessionToken":"t"}})").ttl,
      1s);
  EXPECT_EQ(parse_ok(R"({"ttl":4,"expiresIn":2,"data":{"ttl":3,"sessionToken":"t"}})").ttl, 2s);
  EXPECT_EQ(parse_ok(R"({"ttl":4,"data":{"ttl":3,"sessionToken":"t"}})").ttl, 3s);
  EXPECT_EQ(parse_ok(R"({"ttl":4,"data":{"sessionToken":"t"}})").ttl, 4s);
}

TEST(Handshake, UnusableTtlIsSkipped) {
  for (const char* v : {"0", "-5", "1.5", "300.0", "\"300\"", "null", "true", "[300]", "{}",
                        "-9223372036854775808"}) {
    const std::string body = std::string(R"({"sessionToken":"t","expiresIn":)") + v + "}";
    EXPECT_EQ(parse_ok(body).ttl, std::nullopt) << v;
    // ...and the next source is used instead.
    const std::string with_next =
        std::string(R"({"sessionToken":"t","ttl":30,"data":{"expiresIn":)") + v + "}}";
    EXPECT_EQ(parse_ok(with_next).ttl, 30s) << v;
  }
}

TEST(Handshake, HugeTtlIsClamped) {
  EXPECT_EQ(max_session_ttl, 86400s);
  EXPECT_EQ(parse_ok(R"({"sessionToken":"t","ttl":86400})").ttl, 86400s);
  EXPECT_EQ(parse_ok(R"({"sessionToken":"t","ttl":86401})").ttl, max_session_ttl);
  EXPECT_EQ(parse_ok(R"({"sessionToken":"t","ttl":1000000000000})").ttl, max_session_ttl);
  EXPECT_EQ(parse_ok(R"({"sessionToken":"t","ttl":18446744073709551615})").ttl, max_session_ttl);
}

}  // namespace
}  // namespace rai::handlers
