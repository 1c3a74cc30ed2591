#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "amqp/settings.hpp"
#include "handlers/source.hpp"
#include "spool/settings.hpp"

namespace rai::gateway {

struct endpoint {
  std::string host;
  std::uint16_t port = 0;

  bool operator==(const endpoint&) const = default;
};

struct server_settings {
  endpoint listen{"0.0.0.0", 8080};
  endpoint admin_listen{"127.0.0.1", 9090};
  std::string admin_token;                 // secret; empty: POST /v1/outbound is off
  std::optional<endpoint> metrics_listen;  // probes and /metrics only, no commands
  unsigned threads = 0;                    // 0 = one per core
  std::uint64_t max_body_bytes = 1 << 20;
  std::uint32_t max_header_bytes = 16 * 1024;
  std::uint32_t max_target_bytes = 4096;
  std::chrono::milliseconds first_byte_timeout{5'000};  // a new connection's first byte
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::uint64_t min_body_bytes_per_second = 1024;  // after body_rate_grace; 0: none
  std::chrono::milliseconds body_rate_grace{5'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_connections = 10'000;
  std::uint64_t max_buffered_body_bytes = 256ull << 20;  // all webhook bodies held at once
  std::chrono::seconds retry_after{5};
  std::chrono::milliseconds drain_timeout{10'000};  // graceful stop: in-flight requests
  std::string tls_cert_file;                        // PEM chain; empty: plain HTTP
  std::string tls_key_file;                         // PEM private key

  bool operator==(const server_settings&) const = default;
};

struct log_settings {
  std::string level = "info";
  bool json = false;
  bool access = true;

  bool operator==(const log_settings&) const = default;
};

struct spool_config {
  bool enabled = true;  // false: a broker outage is answered 503 + Retry-After
  spool::spool_settings settings;

  bool operator==(const spool_config&) const = default;
};

enum class dedupe_backend { memory, redis };

struct dedupe_settings {
  std::chrono::seconds window{86'400};
  std::size_t max_entries = 1'000'000;  // of the local window (also the fallback with redis)
  dedupe_backend backend = dedupe_backend::memory;
  // backend = redis: the window shared by every replica (wire-format.md §6a).
  std::string redis_url;  // secret (may hold a password): log redis::redacted() only
  std::string redis_prefix = "rai-gateway:dedupe:";
  std::chrono::milliseconds redis_timeout{50};    // each Redis command
  std::chrono::milliseconds redis_claim{30'000};  // an in-flight claim's life if its replica dies

  bool operator==(const dedupe_settings&) const = default;
};

enum class target_auth { api_key, workflow };

// Where and how commands of one kind are delivered (docs/wire-format.md §7).
struct target_settings {
  std::string kind;
  std::string url;
  target_auth auth = target_auth::api_key;
  std::string api_key;                 // secret; the workflow API key when auth = workflow
  std::string handshake_url;           // auth = workflow only
  std::optional<crypto::aes_key> key;  // none: the payload is sent unencrypted
  crypto::cipher_mode mode = crypto::cipher_mode::aes_256_gcm;
  handlers::envelope_layout layout = handlers::envelope_layout::json;
  handlers::envelope_encoding encoding = handlers::envelope_encoding::base64;
  std::string iv_header = "x-iv";
  std::optional<crypto::webhook_secret> signing_secret;
  std::chrono::milliseconds timeout{10'000};
  std::size_t max_in_flight = 64;
  double rate_limit = 0;  // requests per second; 0 = unlimited
  std::string ca_file;    // extra CA bundle added to the system store
  std::chrono::seconds session_ttl{300};
  std::chrono::seconds session_renew_before{30};
};

struct outbound_settings {
  bool enabled = false;  // default: true when any target is configured
  std::size_t prefetch = 64;
  std::vector<std::chrono::milliseconds> retry_schedule;  // empty: docs/wire-format.md §7 default
  // The retry delay queues' TTLs, ascending (amqp/retry_ladder.hpp).
  std::vector<std::chrono::milliseconds> delay_ladder = amqp::default_retry_rungs();
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds drain_timeout{10'000};

  bool operator==(const outbound_settings&) const = default;
};

// wire-format.md §8: where spans go; empty = no span export.
struct tracing_settings {
  std::string otlp_endpoint;  // http://host[:port]/path (OTLP/HTTP, JSON)

  bool operator==(const tracing_settings&) const = default;
};

struct gateway_config {
  server_settings server;
  log_settings log;
  amqp::amqp_settings amqp;
  spool_config spool;
  dedupe_settings dedupe;
  std::vector<handlers::source_settings> sources;
  outbound_settings outbound;
  std::vector<target_settings> targets;
  tracing_settings tracing;
};

// Reads and validates a TOML config file. On failure returns every problem
// found, one sentence each, naming the setting and never a secret's value.
struct config_result {
  std::optional<gateway_config> config;
  std::vector<std::string> problems;
};
config_result load_config(const std::string& path);

// Same, from TOML text (for tests); `origin` names the source in messages.
config_result parse_config(std::string_view toml_text, const std::string& origin);

}  // namespace rai::gateway
