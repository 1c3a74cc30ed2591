#pragma once

// Realistic sample payloads of Returning.AI's outgoing webhooks, one shape per
// event kind, for rai-gateway-tool `send` and the benchmarks. Returning.AI
// publishes no schema (docs/wire-format.md §5), so these are plausible shapes: a JSON
// object with "id", "event" (the canonical name), "timestamp", "communityId",
// the kind's own fields, and one free text field (a bio, a visit note, a
// message's text, an item's description).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "handlers/events.hpp"

namespace rai::handlers {

struct sample_event_spec {
  std::string_view id{};         // the payload's "id"
  std::uint64_t n = 0;           // varies the user, message and purchase ids
  std::string_view timestamp{};  // RFC 3339, for "timestamp" and the kind's own times
  std::string_view community = "community-demo";
  // The free text; nullopt: a short sentence with a non-ASCII character and
  // a \u escape in it, as real chat text has.
  std::optional<std::string_view> text = std::nullopt;
};

std::string sample_event(event_kind kind, const sample_event_spec& spec);

// The same with the free text made of sample_words so that the payload is
// exactly `size` bytes, or as small as it gets when its fixed fields are
// longer than that.
std::string sample_event_of_size(event_kind kind, sample_event_spec spec, std::size_t size);

// `length` bytes of ASCII words (so a byte is a character), starting with
// word n of a fixed list: free text to pad samples with.
std::string sample_words(std::uint64_t n, std::size_t length);

}  // namespace rai::handlers
