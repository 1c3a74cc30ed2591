#pragma once

// Payloads of a given size for the benchmarks: events are the samples of
// handlers/sample_events.hpp (the tool sends the same shapes), their free text
// padded to `size` bytes; commands are plausible bodies padded the same way.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "handlers/events.hpp"

namespace rai::bench {

// An outgoing-webhook event of `kind` with id `id`; `n` varies the user,
// message and purchase ids. At least `size` bytes when the fixed fields are
// smaller than that, exactly `size` then.
std::string event_payload(handlers::event_kind kind, std::string_view id, std::uint64_t n,
                          std::size_t size);

// An outbound command body (docs/wire-format.md §7) for `kind` (channel-message,
// user-fields, currency, or any operator kind), padded the same way.
std::string command_payload(std::string_view kind, std::uint64_t n, std::size_t size);

}  // namespace rai::bench
