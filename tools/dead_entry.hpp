#pragma once

// One command of returning.outbound.dead as `dlq list` shows it: a
// tab-separated text line or a JSON line.

#include <optional>
#include <string>

namespace rai::amqp {
class taken_message;
}

namespace rai::tool {

struct dead_entry {
  std::string id;                          // AMQP message_id (the idempotency key)
  std::string kind;                        // header x-kind, else AMQP type
  std::optional<std::string> attempts;     // x-attempt
  std::optional<std::string> last_status;  // x-last-status (0: no HTTP response)
  std::optional<std::string> last_error;   // x-last-error
  std::optional<std::string> dead_reason;  // x-dead-reason
  std::optional<std::string> replayed_at;  // x-replayed-at of an earlier replay
  std::optional<std::string> body;         // only with --body
};

// The entry of a message taken from the dead queue: id = message_id; kind =
// header x-kind, else type (as the gateway reads it); the other fields from
// their headers (as text: the gateway writes strings, others may write
// numbers); the body only when `with_body`.
dead_entry dead_entry_of(const amqp::taken_message& m, bool with_body);

// "ID\tKIND\tATTEMPTS\tLAST_STATUS\tLAST_ERROR\tDEAD_REASON" (+ "\tBODY").
std::string dead_text_header(bool with_body);
// The same columns; "-" for an absent value; tabs and line breaks inside a
// value become spaces, so one command is always one line; other control, C1
// and bidi characters are escaped (handlers::append_text_escaped).
std::string format_dead_text(const dead_entry& e);
// {"id":...,"kind":...,"attempts":...,"last_status":...,"last_error":...,
//  "dead_reason":...,"replayed_at":...[,"body":...]}; absent values are null,
// attempts and last_status are numbers when they are decimal.
std::string format_dead_json(const dead_entry& e);

}  // namespace rai::tool
