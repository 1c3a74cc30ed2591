#pragma once

// Internal: republishes one dead command into returning.outbound through the
// returning.commands exchange (routing key "outbound"), mandatory and
// persistent, on the session's confirm channel.

#include <cstdint>
#include <string_view>

#include "tools/detail/dead_message.hpp"
#include "tools/detail/dlq_session.hpp"
#include "tools/outcome.hpp"

namespace rai::tool::detail {

// Keeps the body and the properties message_id, type, content_type,
// content_encoding, correlation_id, app_id and timestamp; headers as
// replay_headers.hpp says, plus x-replayed-at = `replayed_at`. Drops
// expiration (it could expire the replay) and user_id (the broker refuses one
// that is not the connection's user). Returns the publish sequence number.
outcome<std::uint64_t> publish_replay(dlq_session& session, const dead_message& m,
                                      std::string_view replayed_at);

}  // namespace rai::tool::detail
