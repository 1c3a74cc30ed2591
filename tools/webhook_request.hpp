#pragma once

// One request a well-behaved Returning.AI would make for an event: the
// sample payload, sealed like the source expects (or plain JSON when the
// profile has no key), with x-encrypted, the IV header, x-api-key and the
// Standard Webhooks headers (webhook-id = the event id) as configured.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/webhook_signature.hpp"
#include "handlers/events.hpp"
#include "tools/cipher_profile.hpp"
#include "tools/header_lines.hpp"
#include "tools/outcome.hpp"

namespace rai::tool {

struct sender_profile {
  std::string source;         // {source} of /webhooks/{source}/{event}
  std::string base_path;      // prefix before /webhooks ("" normally)
  bool event_in_path = true;  // false: POST /webhooks/{source}, event from the payload
  cipher_profile cipher;      // no keys: the payload goes unencrypted
  std::optional<std::string> api_key;
  std::optional<crypto::webhook_secret> signing_secret;
};

struct outgoing_request {
  std::string target;  // path
  header_list headers;
  std::string body;
};

// --event: "all" -> every kind; a canonical event name -> that one; else nullopt.
std::optional<std::vector<handlers::event_kind>> event_kinds_from_flag(std::string_view text);

// The sample payload (handlers/sample_events.hpp) of `kind` with id `id`,
// stamped `now`, as the source expects it.
outcome<outgoing_request> build_webhook_request(const sender_profile& p, handlers::event_kind kind,
                                                std::string_view id, std::uint64_t n,
                                                std::chrono::system_clock::time_point now);

}  // namespace rai::tool
