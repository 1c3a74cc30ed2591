#include "otlp/otlp_json.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace rai;
using std::chrono::nanoseconds;
using std::chrono::system_clock;

tracing::span_record server_span() {
  tracing::span_record s;
  for (std::size_t i = 0; i < s.trace.size(); ++i) s.trace[i] = static_cast<std::uint8_t>(0xA0 + i);
  s.id = {1, 2, 3, 4, 5, 6, 7, 8};
  s.parent = {0xff, 0, 0, 0, 0, 0, 0, 0x10};
  s.name = "POST /webhooks/{source}";
  s.kind = tracing::span_kind::server;
  s.start = system_clock::time_point(
      std::chrono::duration_cast<system_clock::duration>(nanoseconds(1733490000123456000)));
  s.end = s.start + std::chrono::milliseconds(3);
  s.error = true;
  s.attributes = {{"http.request.method", "POST"}, {"http.response.status_code", "503"}};
  return s;
}

TEST(OtlpJson, EncodesAServerSpanAsTheOtlpHttpJsonMapping) {
  const std::vector spans{server_span()};
  EXPECT_EQ(otlp::encode_traces(spans, "rai-gateway"),
            R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":)"
            R"({"stringValue":"rai-gateway"}}]},"scopeSpans":[{"scope":{"name":"rai-gateway"},)"
            R"("spans":[{"traceId":"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf","spanId":"0102030405060708",)"
            R"("parentSpanId":"ff00000000000010","name":"POST /webhooks/{source}","kind":2,)"
            R"("startTimeUnixNano":"1733490000123456000","endTimeUnixNano":"1733490000126456000",)"
            R"("attributes":[{"key":"http.request.method","value":{"stringValue":"POST"}},)"
            R"({"key":"http.response.status_code","value":{"stringValue":"503"}}],)"
            R"("status":{"code":2}}]}]}]})");
}

TEST(OtlpJson, ARootClientSpanHasNoParentAndAnOkSpanNoStatus) {
  auto s = server_span();
  s.parent = {};
  s.kind = tracing::span_kind::client;
  s.error = false;
  s.attributes.clear();
  const std::vector spans{s, s};
  const std::string body = otlp::encode_traces(spans, "svc");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(body).get(doc), simdjson::SUCCESS) << body;
  simdjson::dom::array out = doc["resourceSpans"].at(0)["scopeSpans"].at(0)["spans"];
  ASSERT_EQ(out.size(), 2u);
  for (simdjson::dom::element span : out) {
    EXPECT_EQ(span["parentSpanId"].error(), simdjson::NO_SUCH_FIELD);
    EXPECT_EQ(span["status"].error(), simdjson::NO_SUCH_FIELD);
    EXPECT_EQ(int64_t(span["kind"]), 3);
    EXPECT_EQ(span["attributes"].get_array().size(), 0u);
  }
  EXPECT_EQ(std::string_view(
                doc["resourceSpans"].at(0)["resource"]["attributes"].at(0)["value"]["stringValue"]),
            "svc");
}

TEST(OtlpJson, EveryKindHasItsOtlpNumber) {
  EXPECT_EQ(otlp::otlp_span_kind(tracing::span_kind::internal), 1);
  EXPECT_EQ(otlp::otlp_span_kind(tracing::span_kind::server), 2);
  EXPECT_EQ(otlp::otlp_span_kind(tracing::span_kind::client), 3);
  EXPECT_EQ(otlp::otlp_span_kind(tracing::span_kind::producer), 4);
  EXPECT_EQ(otlp::otlp_span_kind(tracing::span_kind::consumer), 5);
}

std::string quoted(std::string_view s) {
  std::string out;
  otlp::append_json_string(out, s);
  return out;
}

TEST(OtlpJson, StringsAreEscapedAndInvalidUtf8IsReplaced) {
  EXPECT_EQ(quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(quoted("\n\r\t"), R"("\n\r\t")");
  EXPECT_EQ(quoted(std::string_view("\x00\x1b\x7f", 3)), R"("\u0000\u001b\u007f")");
  EXPECT_EQ(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");  // valid UTF-8 kept
  EXPECT_EQ(quoted("\xff"), R"("\ufffd")");
  EXPECT_EQ(quoted("\xc3"), R"("\ufffd")");                                // truncated sequence
  EXPECT_EQ(quoted("\xc0\xaf"), R"("\ufffd\ufffd")");                      // overlong
  EXPECT_EQ(quoted("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");            // surrogate
  EXPECT_EQ(quoted("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
}

TEST(OtlpJson, HostileAttributesStillMakeValidJson) {
  auto s = server_span();
  s.name = std::string("x\"}],\x01\xfe", 7);
  s.attributes = {{"k\"", std::string("\0v\\", 3)}};
  const std::vector spans{s};
  const std::string body = otlp::encode_traces(spans, "rai-gateway");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(body).get(doc), simdjson::SUCCESS) << body;
  simdjson::dom::element span = doc["resourceSpans"].at(0)["scopeSpans"].at(0)["spans"].at(0);
  EXPECT_EQ(std::string_view(span["name"]), "x\"}],\x01\xef\xbf\xbd");
  EXPECT_EQ(std::string_view(span["attributes"].at(0)["key"]), "k\"");
}

}  // namespace
