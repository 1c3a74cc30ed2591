#pragma once

// The requests rai-bench-load sends, built and encrypted before any timing:
// each one is a common head (request line and shared headers), an optional
// per-request id line, and a per-event tail (its own headers, Content-Length,
// the blank line and the sealed body), so a send is one gathered write with no
// formatting beyond the id.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/key.hpp"
#include "handlers/events.hpp"
#include "handlers/outbound_envelope.hpp"

namespace rai::bench {

struct request_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string source = "bench";
  handlers::event_kind event = handlers::event_kind::user_joined;
  bool event_in_path = true;           // false: POST /webhooks/{source}, event from the payload
  std::string api_key;                 // empty: no x-api-key header
  std::optional<crypto::aes_key> key;  // none: plaintext JSON bodies, no x-encrypted
  handlers::seal_settings seal;        // mode, layout, encoding of the envelope
  std::string iv_header = "x-iv";      // for the header-iv layout
  std::size_t size = 1024;             // plaintext bytes per event
  std::size_t events = 4096;           // distinct pre-encrypted events
  std::string id_prefix;               // payload ids are <prefix>-e<index>
};

struct prepared_requests {
  std::string head;                // "POST ... HTTP/1.1\r\n" + shared header lines
  std::vector<std::string> tails;  // per event: header lines, Content-Length, "\r\n", body
  std::vector<std::string> ids;    // per event: the payload's "id"
  std::size_t plaintext_bytes = 0;
  std::size_t body_bytes = 0;  // mean sealed body size
};

// Throws std::runtime_error when sealing fails.
prepared_requests prepare_requests(const request_options& o);

}  // namespace rai::bench
