#include "bench/payloads.hpp"

#include <array>

#include "bench/json_writer.hpp"

namespace rai::bench {
namespace {

using handlers::event_kind;

constexpr std::string_view k_timestamp = "2025-03-14T09:26:53.589Z";

// ASCII words, so one character is one byte and the size comes out exact.
std::string filler(std::uint64_t n, std::size_t len) {
  static constexpr std::array<std::string_view, 16> words = {
      "EUR/USD", "looks",   "strong", "into",   "the",  "close,",  "watching", "gold",
      "spreads", "tighter", "after",  "London", "open", "welcome", "bonus",    "claimed"};
  std::string out;
  out.reserve(len + 16);
  std::uint64_t i = n;
  while (out.size() < len) {
    if (!out.empty()) out += ' ';
    out += words[i++ % words.size()];
  }
  out.resize(len);
  if (!out.empty() && out.back() == ' ') out.back() = '.';
  return out;
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

std::string message(std::string_view id, std::uint64_t n, std::string_view text) {
  std::string out = "{\"id\":";
  append_json_string(out, "msg-" + std::string(id));
  out += ",\"authorId\":\"u-" + std::to_string(n) + "\",\"createdAt\":\"" +
         std::string(k_timestamp) + "\",\"text\":";
  append_json_string(out, text);
  return out + "}";
}

std::string build_event(event_kind kind, std::string_view id, std::uint64_t n,
                        std::string_view text) {
  std::string out = "{\"id\":";
  append_json_string(out, id);
  out += ",\"event\":\"";
  out += handlers::event_name(kind);
  out +=
      "\",\"timestamp\":\"" + std::string(k_timestamp) + "\",\"communityId\":\"community-bench\"";
  const std::string ts = "\"" + std::string(k_timestamp) + "\"";
  switch (kind) {
    case event_kind::user_joined:
      out += ",\"user\":" + user(n, true) + ",\"joinedAt\":" + ts +
             ",\"referral\":{\"code\":\"WELCOME50\",\"channel\":\"partner-site\"},\"profile\":{"
             "\"bio\":";
      append_json_string(out, text);
      out += "}";
      break;
    case event_kind::user_visited:
      out += ",\"user\":" + user(n, false) + ",\"visitedAt\":" + ts +
             ",\"page\":\"/community/lobby\",\"visitCount\":" + std::to_string(n % 50 + 1) +
             ",\"client\":{\"platform\":\"web\",\"note\":";
      append_json_string(out, text);
      out += "}";
      break;
    case event_kind::message_posted:
      out += ",\"message\":" + message(id, n, text) +
             ",\"location\":{\"type\":\"thread\",\"id\":" + "\"thread-" + std::to_string(n % 7) +
             "\"}";
      break;
    case event_kind::channel_message_posted:
      out += ",\"channel\":{\"id\":\"ch-general\",\"name\":\"general\"},\"message\":" +
             message(id, n, text);
      break;
    case event_kind::store_item_purchased: {
      const std::uint64_t quantity = n % 3 + 1;
      out += ",\"user\":" + user(n, false) + ",\"purchase\":{\"id\":";
      append_json_string(out, "pur-" + std::string(id));
      out += ",\"quantity\":" + std::to_string(quantity) +
             ",\"totalPrice\":" + std::to_string(150 * quantity) +
             ",\"currency\":\"coins\",\"purchasedAt\":" + ts +
             "},\"item\":{\"id\":\"item-42\",\"sku\":\"gold-pack\",\"name\":\"Gold pack\","
             "\"price\":150,\"description\":";
      append_json_string(out, text);
      out += "}";
      break;
    }
  }
  return out + "}";
}

std::string build_command(std::string_view kind, std::uint64_t n, std::string_view text) {
  const std::string k = std::to_string(n);
  std::string out;
  if (kind == "channel-message") {
    out = "{\"channelId\":\"ch-general\",\"mentions\":[\"u-" + k + "\"],\"text\":";
    append_json_string(out, text);
  } else if (kind == "user-fields") {
    out = "{\"userId\":\"u-" + k + "\",\"fields\":{\"tier\":\"gold\",\"kycStatus\":\"verified\"," +
          "\"notes\":";
    append_json_string(out, text);
    out += "}";
  } else if (kind == "currency") {
    out = "{\"userId\":\"u-" + k + "\",\"amount\":" + std::to_string(n % 500 + 1) +
          ",\"currency\":\"coins\",\"reason\":";
    append_json_string(out, text);
  } else {
    out = "{\"userId\":\"u-" + k + "\",\"event\":";
    append_json_string(out, kind);
    out += ",\"data\":{\"note\":";
    append_json_string(out, text);
    out += "}";
  }
  return out + "}";
}

template <class Build>
std::string padded(std::size_t size, std::uint64_t n, Build build) {
  const std::size_t base = build(std::string_view{}).size();
  return build(filler(n, size > base ? size - base : 0));
}

}  // namespace

std::string event_payload(event_kind kind, std::string_view id, std::uint64_t n, std::size_t size) {
  return padded(size, n, [&](std::string_view text) { return build_event(kind, id, n, text); });
}

std::string command_payload(std::string_view kind, std::uint64_t n, std::size_t size) {
  return padded(size, n, [&](std::string_view text) { return build_command(kind, n, text); });
}

}  // namespace rai::bench
