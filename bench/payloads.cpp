#include "bench/payloads.hpp"

#include "bench/json_writer.hpp"
#include "handlers/sample_events.hpp"

namespace rai::bench {
namespace {

constexpr std::string_view k_timestamp = "2025-03-14T09:26:53.589Z";

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
  return build(handlers::sample_words(n, size > base ? size - base : 0));
}

}  // namespace

std::string event_payload(handlers::event_kind kind, std::string_view id, std::uint64_t n,
                          std::size_t size) {
  return handlers::sample_event_of_size(
      kind, {.id = id, .n = n, .timestamp = k_timestamp, .community = "community-bench"}, size);
}

std::string command_payload(std::string_view kind, std::uint64_t n, std::size_t size) {
  return padded(size, n, [&](std::string_view text) { return build_command(kind, n, text); });
}

}  // namespace rai::bench
