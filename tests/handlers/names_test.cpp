#include "handlers/names.hpp"

#include <gtest/gtest.h>

namespace rai::handlers {
namespace {

using L = envelope_layout;
using E = envelope_encoding;
constexpr auto receiving = name_use::receiving;
constexpr auto sending = name_use::sending;

TEST(Names, LayoutsRoundTrip) {
  EXPECT_EQ(list_names(layout_names(receiving)), "auto, json, compact, raw, header-iv");
  EXPECT_EQ(list_names(layout_names(sending)), "json, compact, raw, header-iv");
  for (const auto& e : layout_names(receiving)) {
    EXPECT_EQ(layout_name(e.value), e.name);
    EXPECT_EQ(layout_from_name(e.name, receiving), e.value);
  }
  EXPECT_EQ(layout_from_name("header-iv", sending), L::header_iv);
  EXPECT_EQ(layout_from_name("auto", sending), std::nullopt);
  EXPECT_EQ(layout_name(L::auto_detect), "auto");
}

TEST(Names, EncodingsRoundTrip) {
  EXPECT_EQ(list_names(encoding_names(receiving)), "auto, base64, hex");
  EXPECT_EQ(list_names(encoding_names(sending)), "base64, hex");
  for (const auto& e : encoding_names(receiving)) {
    EXPECT_EQ(encoding_name(e.value), e.name);
    EXPECT_EQ(encoding_from_name(e.name, receiving), e.value);
  }
  EXPECT_EQ(encoding_from_name("hex", sending), E::hex);
  EXPECT_EQ(encoding_from_name("auto", sending), std::nullopt);
}

TEST(Names, ExactSpellingsOnly) {
  for (const char* s : {"JSON", "header_iv", "headeriv", "Auto", " json", ""}) {
    EXPECT_EQ(layout_from_name(s, receiving), std::nullopt) << s;
  }
  for (const char* s : {"Base64", "HEX", "base64url", ""}) {
    EXPECT_EQ(encoding_from_name(s, receiving), std::nullopt) << s;
  }
}

}  // namespace
}  // namespace rai::handlers
