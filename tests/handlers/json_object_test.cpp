#include "handlers/json_object.hpp"

#include <gtest/gtest.h>

#include <simdjson.h>

#include <array>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace rai::handlers {
namespace {

using namespace std::string_view_literals;

// Valid RFC 8259 objects, including every number form and escape the DOM alone refused.
const std::vector<std::string> valid_objects = {
    "{}",
    " \t\r\n{ } \t\r\n",
    R"({"n":12345678901234567890123})",
    R"({"n":-12345678901234567890123})",
    R"({"n":18446744073709551616})",
    R"({"n":-9223372036854775809})",
    R"({"n":1e400,"m":-1e400,"k":1.7976931348623159e308})",
    R"({"n":1e99999999999999999999})",
    R"({"n":1.50e2,"m":1E+2,"k":-0.0e-0,"z":-0,"o":0,"p":1e-400})",
    R"({"n":123456789012345678901234567890.123456789012345678901234567890})",
    R"({"deep":{"a":[1,[2,[3,{"b":99999999999999999999999}]]]}})",
    R"({"s":"\"\\\/\b\f\n\r\t\u0000\u001f\u00e9\uD83D\uDE00\ud83d\ude00"})",
    "{\"s\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\x89 \xef\xbf\xbf \xf4\x8f\xbf\xbf\x7f\"}",
    R"({"a":true,"b":false,"c":null,"d":[],"e":{},"f":[true,false,null,"x",1,-1.5]})",
    R"({"dup":1,"dup":2,"":"empty key"})",
    R"({"\u0069d":"escaped key"})",
    "{\"a\" : [ 1 , 2 ] , \"b\"\n:\n{ \"c\" : \"d\" } }",
};

// Invalid JSON, or JSON that is not one object.
const std::vector<std::string> invalid_objects = {
    "",
    " ",
    "[]",
    "1",
    "\"s\"",
    "null",
    "{",
    "}",
    "{}}",
    "{}{}",
    "{} x",
    "{}\x0b",
    std::string("{}\0", 3),
    "\xef\xbb\xbf{}",  // a byte order mark (RFC 8259 §8.1 allows refusing it)
    R"({"a":})",
    R"({"a":1,})",
    R"({"a":[1,]})",
    R"({,"a":1})",
    R"({"a" 1})",
    R"({"a":1 "b":2})",
    R"({'a':1})",
    R"({a:1})",
    R"({"a":01})",
    R"({"a":-01})",
    R"({"a":00})",
    R"({"a":1.})",
    R"({"a":.5})",
    R"({"a":-})",
    R"({"a":+1})",
    R"({"a":1e})",
    R"({"a":1e+})",
    R"({"a":0x10})",
    R"({"a":NaN})",
    R"({"a":Infinity})",
    R"({"a":tru})",
    R"({"a":True})",
    R"({"a":nul})",
    R"({"a":truex})",
    R"({"a":"\x"})",
    R"({"a":"\u12"})",
    R"({"a":"\u12g4"})",
    R"({"a":"\ud800"})",
    R"({"a":"\udc00"})",
    R"({"a":"\ud800x"})",
    R"({"a":"\ud800\u0041"})",
    R"({"a":"\ud800\ud800"})",
    "{\"a\":\"\x01\"}",
    "{\"a\":\"\x1f\"}",
    "{\"a\":\"tab\there\"}",
    "{\"a\":\"line\nbreak\"}",
    "{\"a\":\"\xff\"}",
    "{\"a\":\"\xc3\x28\"}",
    "{\"a\":\"\xc0\xaf\"}",          // overlong '/'
    "{\"a\":\"\xe0\x80\xaf\"}",      // overlong
    "{\"a\":\"\xed\xa0\x80\"}",      // a UTF-8 encoded surrogate
    "{\"a\":\"\xf4\x90\x80\x80\"}",  // above U+10FFFF
    "{\"a\":\"\xe2\x82\"}",          // truncated
    "{\"a\":\"abc}",
    "{\"a\xff\":1}",
    "{\"a\":1}\xc3\xa9",
    "{\"a\":[1,2}",
    "{\"a\":{\"b\":1]}",
};

// A string literal with its embedded NULs.
template <std::size_t N>
std::string_view lit(const char (&s)[N]) {
  return {s, N - 1};
}

std::string nested(std::size_t depth, std::string_view leaf) {
  // depth 1 is {"a":leaf}; each further level wraps the value in an array.
  std::string s = R"({"a":)";
  for (std::size_t i = 1; i < depth; ++i) s += '[';
  s += leaf;
  for (std::size_t i = 1; i < depth; ++i) s += ']';
  return s + "}";
}

bool strict(std::string_view text) {
  return read_json_members(text, {}, {});
}

bool hot(std::string_view text) {
  json_fields f;
  return read_json_object(text, text.size(), {}, f);
}

bool hot_padded(std::string_view text) {
  std::string padded;
  padded.reserve(text.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(text);
  json_fields f;
  return read_json_object(padded, padded.capacity(), {}, f);
}

// What simdjson's DOM says, when it says something about validity rather than
// refusing a number it cannot represent.
std::optional<bool> dom_verdict(std::string_view text) {
  simdjson::dom::parser parser;
  if (parser.allocate(4096, max_json_depth + 1)) return std::nullopt;
  simdjson::dom::element doc;
  const auto e = parser.parse(text.data(), text.size(), true).get(doc);
  if (e == simdjson::NUMBER_ERROR || e == simdjson::NUMBER_OUT_OF_RANGE) return std::nullopt;
  if (e) return false;
  return doc.is_object();
}

TEST(JsonObjectRead, AcceptsEveryValidObject) {
  for (const auto& t : valid_objects) {
    EXPECT_TRUE(strict(t)) << t;
    EXPECT_TRUE(hot(t)) << t;
    EXPECT_TRUE(hot_padded(t)) << t;
  }
}

TEST(JsonObjectRead, RefusesInvalidJson) {
  for (const auto& t : invalid_objects) {
    EXPECT_FALSE(strict(t)) << t;
    EXPECT_FALSE(hot(t)) << t;
    EXPECT_FALSE(hot_padded(t)) << t;
  }
}

// The DOM alone refused big integers: the cases the fallback exists for.
TEST(JsonObjectRead, TheDomAloneRefusesWideNumbers) {
  EXPECT_EQ(dom_verdict(R"({"n":12345678901234567890123})"), std::nullopt);
  EXPECT_EQ(dom_verdict(R"({"n":1e400})"), std::nullopt);
}

TEST(JsonObjectRead, StrictReaderAgreesWithTheDomWhereTheDomDecides) {
  for (const auto* list : {&valid_objects, &invalid_objects}) {
    for (const auto& t : *list) {
      if (const auto v = dom_verdict(t)) {
        EXPECT_EQ(*v, strict(t)) << t;
      }
    }
  }
}

// Random texts over JSON's alphabet: wherever the DOM gives a verdict, the
// strict reader must give the same one, and the hot path always agrees with
// the strict reader.
TEST(JsonObjectRead, RandomTextsAgree) {
  static constexpr std::array<std::string_view, 40> pieces = {
      "{",        "}",     "[",
      "]",        ":",     ",",
      "\"",       "\"a\"", "\"id\"",
      "0",        "1",     "-",
      ".",        "e",     "E",
      "+",        "9",     "12345678901234567890123",
      "true",     "false", "null",
      " ",        "\n",    "\\",
      "\\u",      "d83d",  "\\ude00",
      "\\n",      "x",     "\x01",
      "\xc3\xa9", "\xff",  "\xed\xa0\x80",
      "1e400",    "-0",    "{\"a\":",
      "}",        "[1,2]"};
  std::mt19937 rng(1234);
  std::size_t accepted = 0;
  for (int round = 0; round < 200'000; ++round) {
    std::string t;
    const int n = 1 + static_cast<int>(rng() % 12);
    if (rng() % 2) t = "{\"k\":";
    for (int i = 0; i < n; ++i) t += pieces[rng() % pieces.size()];
    if (rng() % 2) t += "}";
    const bool s = strict(t);
    accepted += s;
    if (const auto v = dom_verdict(t)) {
      ASSERT_EQ(*v, s) << t;
    }
    ASSERT_EQ(hot(t), s) << t;
  }
  EXPECT_GT(accepted, 1000u);  // the texts do reach valid objects
}

TEST(JsonObjectRead, DepthLimit) {
  for (const std::string_view leaf : {"1"sv, "12345678901234567890123"sv}) {
    const std::string at_limit = nested(max_json_depth, leaf);
    const std::string beyond = nested(max_json_depth + 1, leaf);
    EXPECT_TRUE(strict(at_limit)) << leaf;
    EXPECT_TRUE(hot(at_limit)) << leaf;
    EXPECT_TRUE(hot_padded(at_limit)) << leaf;
    EXPECT_FALSE(strict(beyond)) << leaf;
    EXPECT_FALSE(hot(beyond)) << leaf;
    EXPECT_FALSE(hot_padded(beyond)) << leaf;
  }
  static_assert(max_json_depth >= 64, "docs/wire-format.md §6: at least 64 levels");
}

constexpr std::array<std::string_view, 6> names = {"event", "id", "n", "s", "o", "z"};

// The fields read_json_object finds, the same on both of its paths.
void expect_fields(const std::string& body) {
  SCOPED_TRACE(body);
  json_fields f;
  ASSERT_TRUE(read_json_object(body, body.size(), names, f));
  ASSERT_TRUE(f[0]);
  EXPECT_EQ(f[0]->kind, json_kind::string);
  EXPECT_EQ(f[0]->text, "user-joined");
  ASSERT_TRUE(f[1]);
  EXPECT_EQ(f[1]->kind, json_kind::integer);
  EXPECT_EQ(f[1]->text, "0");  // -0 reads as 0 on both paths
  ASSERT_TRUE(f[2]);
  EXPECT_EQ(f[2]->kind, json_kind::number);
  EXPECT_EQ(f[2]->text, "");
  ASSERT_TRUE(f[3]);
  EXPECT_EQ(f[3]->kind, json_kind::string);
  EXPECT_EQ(f[3]->text, lit("a\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80\0z"));
  ASSERT_TRUE(f[4]);
  EXPECT_EQ(f[4]->kind, json_kind::object);
  EXPECT_FALSE(f[5]);
}

TEST(JsonObjectRead, FieldsOnBothPaths) {
  const std::string common =
      R"({"ev\u0065nt":"user-\u006aoined","id":-0,"n":1.5,"id":"second",)"
      R"("s":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\u0000z","o":{"event":"inner"},"event":"x")";
  expect_fields(common + "}");                                       // the DOM
  expect_fields(common + R"(,"big":123456789012345678901234567})");  // the strict reader
}

TEST(JsonObjectRead, BigIntegerFieldIsItsText) {
  const std::string body = R"({"id":12345678901234567890123,"n":-98765432109876543210})";
  json_fields f;
  constexpr std::array<std::string_view, 2> wanted = {"id", "n"};
  ASSERT_TRUE(read_json_object(body, body.size(), wanted, f));
  ASSERT_TRUE(f[0] && f[1]);
  EXPECT_EQ(f[0]->kind, json_kind::integer);
  EXPECT_EQ(f[0]->text, "12345678901234567890123");
  EXPECT_EQ(f[1]->text, "-98765432109876543210");
}

TEST(JsonObjectRead, RawMembers) {
  const std::string body =
      R"({"a":"x\ny","b":[1,{"c":2}],"c":{"d":[]},"d":12,"e":1e2,"f":null,"g":true})";
  constexpr std::array<std::string_view, 8> wanted = {"a", "b", "c", "d", "e", "f", "g", "h"};
  std::array<std::optional<json_raw_member>, 8> found;
  ASSERT_TRUE(read_json_members(body, wanted, found));
  EXPECT_EQ(found[0]->kind, json_kind::string);
  EXPECT_EQ(found[0]->value, R"(x\ny)");
  EXPECT_EQ(found[1]->kind, json_kind::array);
  EXPECT_EQ(found[1]->value, R"([1,{"c":2}])");
  EXPECT_EQ(found[2]->kind, json_kind::object);
  EXPECT_EQ(found[2]->value, R"({"d":[]})");
  EXPECT_EQ(found[3]->kind, json_kind::integer);
  EXPECT_EQ(found[3]->value, "12");
  EXPECT_EQ(found[4]->kind, json_kind::number);
  EXPECT_EQ(found[5]->kind, json_kind::null);
  EXPECT_EQ(found[6]->kind, json_kind::boolean);
  EXPECT_EQ(found[6]->value, "true");
  EXPECT_FALSE(found[7]);
}

TEST(JsonObjectRead, Unescape) {
  std::string out;
  append_json_unescaped(out, R"(plain \u00e9\uD83D\uDE00 \"q\" \\ \/ \b\f\n\r\t \u0000.)");
  EXPECT_EQ(out, lit("plain \xc3\xa9\xf0\x9f\x98\x80 \"q\" \\ / \b\f\n\r\t \0."));
}

}  // namespace
}  // namespace rai::handlers
