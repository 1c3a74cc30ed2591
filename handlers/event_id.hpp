#pragma once

// Internal to rai_handlers (used by inbound.cpp and the unit tests).

#include <cstddef>
#include <string>
#include <string_view>

namespace rai::handlers {

// AMQP's message_id holds 255 bytes; longer ids are replaced (docs/wire-format.md §4).
inline constexpr std::size_t max_event_id_length = 200;

// `id` itself when it is at most max_event_id_length bytes of printable UTF-8
// (valid UTF-8 without C0 controls, DEL or C1 controls U+0080..U+009F), else
// "sha256:" + the lowercase hex SHA-256 of it: every id that reaches a spool
// record, an AMQP message_id or a log line is short and printable.
std::string finish_event_id(std::string_view id);

}  // namespace rai::handlers
