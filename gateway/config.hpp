#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "handlers/source.hpp"
#include "queue/settings.hpp"

namespace rai::gateway {

struct endpoint {
  std::string host;
  std::uint16_t port = 0;
};

struct server_settings {
  endpoint listen{"0.0.0.0", 8080};
  endpoint admin_listen{"127.0.0.1", 9090};
  unsigned threads = 0;  // 0 = one per core
  std::uint64_t max_body_bytes = 1 << 20;
  std::uint32_t max_header_bytes = 16 * 1024;
  std::uint32_t max_target_bytes = 4096;
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::size_t max_connections = 10'000;
  std::chrono::seconds retry_after{5};
};

struct log_settings {
  std::string level = "info";
  bool json = false;
  bool access = true;
};

struct spool_settings {
  std::string dir = "/var/lib/rai-gateway/spool";
  std::uint64_t max_bytes = 1ull << 30;
};

struct dedupe_settings {
  std::chrono::seconds window{86'400};
  std::size_t max_entries = 1'000'000;
};

struct gateway_config {
  server_settings server;
  log_settings log;
  queue::amqp_settings amqp;
  spool_settings spool;
  dedupe_settings dedupe;
  std::vector<handlers::source_settings> sources;
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
