#pragma once

// The requests rai-bench-load sends. Every request carries its own event id in
// the payload: the gateway takes an event's identity only from what is
// authenticated (docs/wire-format.md §4: a signed webhook-id, else the payload's id,
// never an unsigned header), so a run without duplicates needs a distinct
// payload per request, sealed like a real sender's.
//
// Prepared before any timing: a common head (request line and shared
// headers) and M payload templates (realistic events of the chosen kind, each
// with a fixed-width id). A send copies one template, writes the request's
// sequence number into its id, seals it with handlers::seal_envelope (the
// gateway's own outbound sealing: the same envelope bytes a sender makes) and
// sends head + tail in one gathered write. Sealing per request keeps memory
// flat for runs of any length. To keep it cheap, a GCM IV is not drawn from
// the CSPRNG per request (OpenSSL's RAND_bytes costs a getpid system call and
// more each time) but is 4 random bytes drawn once per run followed by the
// 8-byte sequence number: unique within a run, which is what GCM needs. CBC
// needs unpredictable IVs and keeps the random ones.

#include <array>
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
  std::size_t events = 64;             // distinct payload templates
  std::string id_prefix;               // payload ids are <prefix>-<12-digit sequence number>
};

// Digits of the sequence number in a payload id: ids stay distinct for 10^12 requests.
inline constexpr std::size_t id_digits = 12;

struct prepared_requests {
  std::string head;                     // "POST ... HTTP/1.1\r\n" + shared header lines
  std::vector<std::string> templates;   // per template: a payload whose id ends in id_digits '0's
  std::vector<std::size_t> id_offsets;  // per template: where those digits start
  std::string id_prefix;
  std::optional<crypto::aes_key> key;
  handlers::seal_settings seal;
  std::string iv_header;
  std::array<std::uint8_t, 4> iv_prefix{};  // GCM IVs: this, then the sequence number
  std::size_t plaintext_bytes = 0;
  std::size_t body_bytes = 0;  // mean sealed body size (of the templates)
};

// Throws std::runtime_error when sealing fails.
prepared_requests prepare_requests(const request_options& o);

// Request `seq`: its payload id.
std::string request_id(const prepared_requests& r, std::uint64_t seq);

// Request `seq`: its tail (own header lines, Content-Length, the blank line and
// the sealed body) into `tail`, using `plaintext` as scratch. False when
// sealing fails.
bool build_request(const prepared_requests& r, std::uint64_t seq, std::string& plaintext,
                   std::string& tail);

}  // namespace rai::bench
