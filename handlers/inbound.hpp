#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "handlers/errc.hpp"
#include "handlers/events.hpp"
#include "handlers/source.hpp"

namespace rai::handlers {

// What the gateway extracted from one HTTP request. Absent headers are nullopt.
struct inbound_request {
  std::string_view body;
  std::optional<std::string_view> api_key;            // x-api-key
  std::optional<std::string_view> encrypted;          // x-encrypted
  std::optional<std::string_view> iv;                 // the source's iv_header
  std::optional<std::string_view> webhook_id;         // webhook-id
  std::optional<std::string_view> webhook_timestamp;  // webhook-timestamp
  std::optional<std::string_view> webhook_signature;  // webhook-signature
  std::chrono::system_clock::time_point now;
};

struct accepted_event {
  std::string plaintext;  // exact bytes to publish
  event_kind event;
  std::string id;    // ≤ 200 bytes of printable UTF-8 (others become "sha256:<hex>")
  std::string auth;  // checks that passed, comma-separated: "api-key,signature,gcm"
};

// The checks of the inbound pipeline that need only the request's headers, in
// the order of docs/wire-format.md §4: the API key (constant-time, against every
// configured key), the presence of the three signature headers when the source
// has a signing secret, and x-encrypted when the source requires encryption.
// The gateway runs them as soon as a request's header has arrived, before it
// reads or buffers a byte of the body; process_inbound runs them again first,
// so they have one owner. `request.body` is not read.
result<void> check_inbound_headers(const source_settings& source, const inbound_request& request);

// The whole inbound pipeline for one request, in the order of docs/wire-format.md §4:
// check_inbound_headers, the signature over the body (both before any
// decryption), a decryption key for x-encrypted, envelope, decryption with
// each key (at most source.max_decrypt_attempts readings × keys; for CBC every
// one of them, in constant work per attempt), plaintext JSON check (any RFC
// 8259 object, handlers/json_object.hpp), event (from the path segment when
// given, else from the plaintext field), event id (the webhook-id header only
// when the signature verified, else the payload's id, else the SHA-256 of the
// plaintext).
result<accepted_event> process_inbound(const source_settings& source,
                                       std::optional<std::string_view> path_event,
                                       const inbound_request& request);

}  // namespace rai::handlers
