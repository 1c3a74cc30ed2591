#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace rai::gateway {

// Installs the process-wide spdlog logger: stderr, UTC timestamps, text or
// JSON lines, written by a background thread so request threads never block
// on the terminal or journald (under overload the oldest lines are dropped).
void setup_logging(const log_settings& settings);
void shutdown_logging();

// One access-log line. Holds no body, key or plaintext by construction.
struct access_record {
  std::string_view method;
  std::string_view path;  // without the query string
  std::string_view source;
  std::string_view event;
  std::string_view id;
  std::string_view trace_id;  // 32 hex digits (docs/wire-format.md §8)
  std::string_view error;     // reason code, empty on success
  unsigned status = 0;
  bool duplicate = false;
  bool spooled = false;  // accepted into the local spool, not (yet) the broker
  std::uint64_t latency_us = 0;
};
void log_access(const access_record& r);

}  // namespace rai::gateway
