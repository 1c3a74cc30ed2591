#include "handlers/events.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rai::handlers {
namespace {

constexpr event_kind all[] = {event_kind::user_joined, event_kind::user_visited,
                              event_kind::message_posted, event_kind::channel_message_posted,
                              event_kind::store_item_purchased};

TEST(Events, CanonicalNames) {
  EXPECT_EQ(event_name(event_kind::user_joined), "user-joined");
  EXPECT_EQ(event_name(event_kind::user_visited), "user-visited");
  EXPECT_EQ(event_name(event_kind::message_posted), "message-posted");
  EXPECT_EQ(event_name(event_kind::channel_message_posted), "channel-message-posted");
  EXPECT_EQ(event_name(event_kind::store_item_purchased), "store-item-purchased");
}

TEST(Events, PathAcceptsCanonicalNamesOnly) {
  for (const auto e : all) {
    EXPECT_EQ(event_from_path(event_name(e)), e);
  }
  for (const char* s : {"user_joined", "USER-JOINED", "userJoined", "user.joined", "user-joined ",
                        " user-joined", "user-joined/", "", "user", "user-joinedx"}) {
    EXPECT_EQ(event_from_path(s), std::nullopt) << s;
  }
}

std::string to_snake(std::string_view kebab) {
  std::string s(kebab);
  for (auto& c : s) {
    if (c == '-') c = '_';
  }
  return s;
}
std::string to_upper_snake(std::string_view kebab) {
  std::string s = to_snake(kebab);
  for (auto& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}
std::string to_dotted(std::string_view kebab) {
  std::string s(kebab);
  for (auto& c : s) {
    if (c == '-') c = '.';
  }
  return s;
}
std::string to_camel(std::string_view kebab, bool pascal) {
  std::string s;
  bool up = pascal;
  for (const char c : kebab) {
    if (c == '-') {
      up = true;
      continue;
    }
    s.push_back(up ? static_cast<char>(c - 'a' + 'A') : c);
    up = false;
  }
  return s;
}

TEST(Events, FieldAcceptsEverySpelling) {
  for (const auto e : all) {
    const auto name = event_name(e);
    for (const std::string& s : {std::string(name), to_snake(name), to_upper_snake(name),
                                 to_dotted(name), to_camel(name, false), to_camel(name, true)}) {
      EXPECT_EQ(event_from_field(s), e) << s;
    }
  }
  EXPECT_EQ(to_camel("channel-message-posted", false), "channelMessagePosted");
}

TEST(Events, FieldRejectsOthers) {
  for (const char* s :
       {"", "user", "joined", "user joined", "user-joined!", "user/joined", "user-left", "message",
        "channel-message", "user-joined-x", "\xc3\xbcser-joined", "user-joined\n"}) {
    EXPECT_EQ(event_from_field(s), std::nullopt) << s;
  }
  EXPECT_EQ(event_from_field(std::string(1000, 'a')), std::nullopt);
  EXPECT_EQ(event_from_field(std::string(40, '-') + "user-joined"), event_kind::user_joined);
}

}  // namespace
}  // namespace rai::handlers
