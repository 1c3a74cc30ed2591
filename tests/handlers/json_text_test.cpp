#include "handlers/json_text.hpp"

#include <gtest/gtest.h>

namespace rai::handlers {
namespace {

TEST(JsonText, Escapes) {
  EXPECT_EQ(json_string("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(json_string("x\ny\tz\r"), R"("x\ny\tz\r")");
  EXPECT_EQ(json_string(std::string_view("\x01\x1f", 2)), R"("\u0001\u001f")");
}

TEST(JsonText, Utf8PassesInvalidBecomesReplacement) {
  EXPECT_EQ(json_string("caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x8E\x89"),
            "\"caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x8E\x89\"");
  EXPECT_EQ(json_string("\xFF"), R"("\ufffd")");
  EXPECT_EQ(json_string("\xC3"), R"("\ufffd")");                      // truncated
  EXPECT_EQ(json_string("\xC0\xAF"), R"("\ufffd\ufffd")");            // overlong
  EXPECT_EQ(json_string("\xED\xA0\x80"), R"("\ufffd\ufffd\ufffd")");  // surrogate
}

// Log injection: nothing a terminal or log viewer acts on survives, in JSON
// or in text. The escapes read back as the same string in JSON.
TEST(JsonText, EscapesDelC1BidiAndLineSeparators) {
  EXPECT_EQ(json_string("a\x7f"
                        "b"),
            R"("a\u007fb")");
  EXPECT_EQ(json_string("\x1b[31mred"), R"("\u001b[31mred")");
  EXPECT_EQ(json_string("\xC2\x80 \xC2\x9B"
                        "31m \xC2\x9F \xC2\xA0"),
            "\"\\u0080 \\u009b31m \\u009f \xC2\xA0\"");  // U+00A0 is printable
  EXPECT_EQ(json_string("\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD\xE2\x80\xAE"),
            R"("\u202a\u202b\u202c\u202d\u202e")");
  EXPECT_EQ(json_string("\xE2\x81\xA6\xE2\x81\xA7\xE2\x81\xA8\xE2\x81\xA9"),
            R"("\u2066\u2067\u2068\u2069")");
  EXPECT_EQ(json_string("\xE2\x80\x8E\xE2\x80\x8F\xD8\x9C"), R"("\u200e\u200f\u061c")");
  EXPECT_EQ(json_string("\xE2\x80\xA8\xE2\x80\xA9"), R"("\u2028\u2029")");
  // Neighbours pass: U+2027, U+202F, U+2065 (unassigned), U+206A.
  EXPECT_EQ(json_string("\xE2\x80\xA7\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA"),
            "\"\xE2\x80\xA7\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA\"");
}

std::string text(std::string_view s) {
  std::string out;
  append_text_escaped(out, s);
  return out;
}

TEST(JsonText, TextEscapingKeepsOneLineAndQuotes) {
  // A forged second line with ESC and 8-bit CSI colour codes.
  EXPECT_EQ(text("x\n2026-01-01T00:00:00.000Z info outbound: command c kind=k delivered"),
            "x\\n2026-01-01T00:00:00.000Z info outbound: command c kind=k delivered");
  EXPECT_EQ(text("\x1b[2J\r\xC2\x9B"
                 "1m\xE2\x80\xAE"
                 "cod.exe"),
            R"(\u001b[2J\r\u009b1m\u202ecod.exe)");
  EXPECT_EQ(text(R"(a "quoted" \path)"), R"(a "quoted" \\path)");
  EXPECT_EQ(text("caf\xC3\xA9 \xFF"), "caf\xC3\xA9 \\ufffd");
  // Whatever the input, the output is printable: no byte below 0x20, no DEL,
  // and no raw C1 or bidi character.
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  all += "\xC2\x85\xE2\x80\xAE\xE2\x81\xA6";
  for (const std::string& out : {text(all), json_string(all)}) {
    for (unsigned char c : out) EXPECT_TRUE(c >= 0x20 && c != 0x7F) << int(c);
    EXPECT_EQ(out.find("\xC2\x85"), std::string::npos);
    EXPECT_EQ(out.find("\xE2\x80\xAE"), std::string::npos);
    EXPECT_EQ(out.find("\xE2\x81\xA6"), std::string::npos);
  }
}

}  // namespace
}  // namespace rai::handlers
