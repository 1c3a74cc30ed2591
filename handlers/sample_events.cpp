#include "handlers/sample_events.hpp"

#include <array>

#include "handlers/json_text.hpp"

namespace rai::handlers {
namespace {

// Raw JSON, so that it keeps its \u escape.
constexpr std::string_view default_text =
    "\"Sample message from Returning.AI: caf\xC3\xA9 talk, EUR/USD looks strong \\u2197\"";

void append_text(std::string& out, const sample_event_spec& s) {
  if (s.text) {
    append_json_string(out, *s.text);
  } else {
    out += default_text;
  }
}

std::string user(std::uint64_t n, bool full) {
  const std::string k = std::to_string(n);
  std::string out = "{\"id\":\"u-" + k + "\",\"username\":\"trader_" + k + "\"";
  if (full) {
    out += ",\"displayName\":\"Trader " + k + "\",\"email\":\"trader." + k +
           "@example.com\",\"country\":\"GB\",\"locale\":\"en-GB\",\"avatarUrl\":"
           "\"https://cdn.example.com/avatars/u-" +
           k + ".png\"";
  }
  return out + "}";
}

void append_message(std::string& out, const sample_event_spec& s) {
  out += "{\"id\":";
  append_json_string(out, "msg-" + std::string(s.id));
  out += ",\"authorId\":\"u-" + std::to_string(s.n) + "\",\"createdAt\":";
  append_json_string(out, s.timestamp);
  out += ",\"text\":";
  append_text(out, s);
  out += '}';
}

}  // namespace

std::string sample_event(event_kind kind, const sample_event_spec& s) {
  std::string out = "{\"id\":";
  append_json_string(out, s.id);
  out += ",\"event\":\"";
  out += event_name(kind);
  out += "\",\"timestamp\":";
  append_json_string(out, s.timestamp);
  out += ",\"communityId\":";
  append_json_string(out, s.community);
  const std::string ts = json_string(s.timestamp);
  switch (kind) {
    case event_kind::user_joined:
      out += ",\"user\":" + user(s.n, true) + ",\"joinedAt\":" + ts +
             ",\"referral\":{\"code\":\"WELCOME50\",\"channel\":\"partner-site\"},\"profile\":{"
             "\"bio\":";
      append_text(out, s);
      out += '}';
      break;
    case event_kind::user_visited:
      out += ",\"user\":" + user(s.n, false) + ",\"visitedAt\":" + ts +
             ",\"page\":\"/community/lobby\",\"visitCount\":" + std::to_string(s.n % 50 + 1) +
             ",\"client\":{\"platform\":\"web\",\"note\":";
      append_text(out, s);
      out += '}';
      break;
    case event_kind::message_posted:
      out += ",\"message\":";
      append_message(out, s);
      out +=
          ",\"location\":{\"type\":\"thread\",\"id\":\"thread-" + std::to_string(s.n % 7) + "\"}";
      break;
    case event_kind::channel_message_posted:
      out += ",\"channel\":{\"id\":\"ch-general\",\"name\":\"general\"},\"message\":";
      append_message(out, s);
      break;
    case event_kind::store_item_purchased: {
      const std::uint64_t quantity = s.n % 3 + 1;
      out += ",\"user\":" + user(s.n, false) + ",\"purchase\":{\"id\":";
      append_json_string(out, "pur-" + std::string(s.id));
      out += ",\"quantity\":" + std::to_string(quantity) +
             ",\"totalPrice\":" + std::to_string(150 * quantity) +
             ",\"currency\":\"coins\",\"purchasedAt\":" + ts +
             "},\"item\":{\"id\":\"item-42\",\"sku\":\"gold-pack\",\"name\":\"Gold pack\","
             "\"price\":150,\"description\":";
      append_text(out, s);
      out += '}';
      break;
    }
  }
  out += '}';
  return out;
}

std::string sample_event_of_size(event_kind kind, sample_event_spec spec, std::size_t size) {
  spec.text = std::string_view{};
  const std::size_t base = sample_event(kind, spec).size();
  const std::string text = sample_words(spec.n, size > base ? size - base : 0);
  spec.text = text;
  return sample_event(kind, spec);
}

std::string sample_words(std::uint64_t n, std::size_t length) {
  static constexpr std::array<std::string_view, 16> words = {
      "EUR/USD", "looks",   "strong", "into",   "the",  "close,",  "watching", "gold",
      "spreads", "tighter", "after",  "London", "open", "welcome", "bonus",    "claimed"};
  std::string out;
  out.reserve(length + 16);
  std::uint64_t i = n;
  while (out.size() < length) {
    if (!out.empty()) out += ' ';
    out += words[i++ % words.size()];
  }
  out.resize(length);
  if (!out.empty() && out.back() == ' ') out.back() = '.';
  return out;
}

}  // namespace rai::handlers
