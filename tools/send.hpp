#pragma once

// The pure parts of `send` (cmd_send.cpp): where to send (--url), the request
// a well-behaved Returning.AI would make for an event, and the tally of what
// came back.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/webhook_signature.hpp"
#include "handlers/events.hpp"
#include "http/http_client.hpp"
#include "tools/args.hpp"
#include "tools/cipher_profile.hpp"
#include "tools/io.hpp"

namespace rai::tool {

// --url: http://host[:port][/prefix], read by the HTTP client's own URL
// parser (http/http_client.hpp). TLS is the ingress's job in front of the
// gateway, so plain http only.
struct http_target {
  gateway::parsed_url url;  // its target is "/": each request sets its own path
  std::string base_path;    // "" or "/prefix" (no trailing slash)
};

outcome<http_target> parse_http_url(std::string_view url);

// One request for an event: the sample payload, sealed like the source
// expects (or plain JSON when the profile has no key), with x-encrypted, the
// IV header, x-api-key and the Standard Webhooks headers (webhook-id = the
// event id) as configured.
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

// What came back, counted across worker threads, and its summary.
// True when a 200 body is the gateway's {"status":"accepted",...,"duplicate":true}.
bool is_duplicate_reply(std::string_view body);

class send_tally {
 public:
  explicit send_tally(std::size_t max_examples = 10) : max_examples_(max_examples) {}

  void reply(std::string_view id, unsigned status, std::string_view body);
  void transport_error(std::string_view id, std::string_view error);

  struct totals {
    std::uint64_t accepted = 0;               // 200, first delivery
    std::uint64_t duplicates = 0;             // 200 with "duplicate": true
    std::map<unsigned, std::uint64_t> other;  // status -> count
    std::uint64_t transport_errors = 0;
    std::vector<std::string> examples;  // the first few failures, one line each
  };
  totals snapshot() const;

 private:
  mutable std::mutex mu_;
  totals t_;
  std::size_t max_examples_;
};

// Several lines: the counts by outcome and the first failures.
std::string format_summary(const send_tally::totals& t, std::uint64_t sent, double seconds);

bool all_succeeded(const send_tally::totals& t) noexcept;

}  // namespace rai::tool
