#include "tools/sample_events.hpp"

#include "handlers/json_text.hpp"

namespace rai::tool {
namespace {

using handlers::event_kind;

// Fields every event starts with.
std::string head(event_kind kind, std::string_view id, std::string_view timestamp) {
  std::string out = "{\"id\":";
  handlers::append_json_string(out, id);
  out += ",\"event\":\"";
  out += handlers::event_name(kind);
  out += "\",\"timestamp\":";
  handlers::append_json_string(out, timestamp);
  out += ",\"communityId\":\"community-demo\"";
  return out;
}

std::string user(std::uint64_t n, bool full) {
  const std::string k = std::to_string(n);
  std::string out = "{\"id\":\"u-" + k + "\",\"username\":\"trader_" + k + "\"";
  if (full) {
    out += ",\"displayName\":\"Trader " + k + "\",\"email\":\"trader." + k +
           "@example.com\",\"country\":\"GB\"";
  }
  return out + "}";
}

std::string message(std::string_view id, std::uint64_t n, std::string_view timestamp) {
  std::string out = "{\"id\":";
  handlers::append_json_string(out, "msg-" + std::string(id));
  out +=
      ",\"text\":\"Sample message " + std::to_string(n) +
      " from rai-gateway-tool: caf\xC3\xA9 talk, EUR/USD looks strong \\u2197\",\"authorId\":\"u-" +
      std::to_string(n) + "\",\"createdAt\":";
  handlers::append_json_string(out, timestamp);
  return out + "}";
}

}  // namespace

std::string sample_event(event_kind kind, std::string_view id, std::uint64_t n,
                         std::string_view timestamp) {
  std::string out = head(kind, id, timestamp);
  const std::string ts = handlers::json_string(timestamp);
  switch (kind) {
    case event_kind::user_joined:
      out += ",\"user\":" + user(n, true) + ",\"joinedAt\":" + ts +
             ",\"referral\":{\"code\":\"WELCOME50\",\"channel\":\"partner-site\"}";
      break;
    case event_kind::user_visited:
      out += ",\"user\":" + user(n, false) + ",\"visitedAt\":" + ts +
             ",\"page\":\"/community/lobby\",\"visitCount\":" + std::to_string(n % 50 + 1) +
             ",\"client\":{\"platform\":\"web\",\"userAgent\":\"rai-gateway-tool\"}";
      break;
    case event_kind::message_posted:
      out += ",\"message\":" + message(id, n, timestamp) +
             ",\"location\":{\"type\":\"thread\",\"id\":\"thread-" + std::to_string(n % 7) + "\"}";
      break;
    case event_kind::channel_message_posted:
      out += ",\"channel\":{\"id\":\"ch-general\",\"name\":\"general\"},\"message\":" +
             message(id, n, timestamp);
      break;
    case event_kind::store_item_purchased: {
      const std::uint64_t quantity = n % 3 + 1;
      out += ",\"user\":" + user(n, false) + ",\"purchase\":{\"id\":";
      handlers::append_json_string(out, "pur-" + std::string(id));
      out += ",\"quantity\":" + std::to_string(quantity) +
             ",\"totalPrice\":" + std::to_string(150 * quantity) +
             ",\"currency\":\"coins\",\"purchasedAt\":" + ts +
             "},\"item\":{\"id\":\"item-42\",\"sku\":\"gold-pack\",\"name\":\"Gold pack\","
             "\"price\":150}";
      break;
    }
  }
  out += '}';
  return out;
}

std::optional<std::vector<event_kind>> event_kinds_from_flag(std::string_view text) {
  if (text == "all") {
    return std::vector<event_kind>{event_kind::user_joined, event_kind::user_visited,
                                   event_kind::message_posted, event_kind::channel_message_posted,
                                   event_kind::store_item_purchased};
  }
  if (const auto kind = handlers::event_from_path(text)) return std::vector<event_kind>{*kind};
  return std::nullopt;
}

}  // namespace rai::tool
