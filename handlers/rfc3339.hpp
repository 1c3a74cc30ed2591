#pragma once

// RFC 3339 timestamps as the gateway writes them (x-received-at, wire-format
// §6) and the tools stamp their samples and replays with.

#include <chrono>
#include <string>

namespace rai::handlers {

// UTC with milliseconds, always 24 characters for years 0 to 9999:
// "2026-11-23T10:15:30.123Z". The milliseconds are truncated, not rounded.
std::string rfc3339_utc(std::chrono::system_clock::time_point t);

}  // namespace rai::handlers
