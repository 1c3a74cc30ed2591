#pragma once

// The pure parts of `dlq list` and `dlq replay` (cmd_dlq_list.cpp,
// cmd_dlq_replay.cpp): the broker flags they share, a dead command as `dlq
// list` shows it, and what `dlq replay` moves and how it edits the headers.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "amqp/session.hpp"
#include "tools/args.hpp"

namespace rai::tool {

// Flags of both.

inline constexpr std::string_view default_amqp_url = "amqp://guest:guest@127.0.0.1:5672/";

// Where and how to reach the broker: --amqp-url, else amqp.url / amqp.urls
// (and the amqp.tls_* files) of --config FILE, else default_amqp_url;
// --tls-ca-file, --tls-cert-file + --tls-key-file (amqps://) replace the
// config's amqp.tls_* files;
// --timeout-ms (default 10000) bounds connect, each RPC, and each wait for
// confirms. `connection_name` names the connection in the broker.
outcome<amqp::session_settings> broker_from(const parsed_args& a, std::string connection_name);

// dlq list: one dead command as a tab-separated text line or a JSON line.
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

// dlq replay.
//
// What replay does to a dead command's headers: the delivery-state headers
// the gateway wrote when it gave up are dropped, so the command gets a fresh
// retry budget, and x-replayed-at records the replay. Every other header
// (x-kind first of all) is kept with its type.
inline constexpr std::string_view replayed_at_header = "x-replayed-at";

// x-attempt, x-last-status, x-last-error, x-dead-reason, and an earlier
// x-replayed-at (replaced by the new one).
bool dropped_on_replay(std::string_view header) noexcept;

// Which dead commands replay moves: all of them, or those whose message_id is
// one of the --id values (every copy of that id: an interrupted earlier
// replay may have left two).
class replay_selection {
 public:
  static replay_selection everything() { return replay_selection(true, {}); }
  static replay_selection ids(std::vector<std::string> ids) {
    return replay_selection(false, std::move(ids));
  }

  // Whether to replay a message with this id; remembers which ids were seen.
  bool choose(std::string_view message_id);
  // The requested ids no message had, in the order given.
  std::vector<std::string> missing() const;

 private:
  replay_selection(bool all, std::vector<std::string> ids);
  bool all_;
  std::vector<std::string> ids_;
  std::vector<bool> seen_;
};

}  // namespace rai::tool
