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

}  // namespace
}  // namespace rai::handlers
