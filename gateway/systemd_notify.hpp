#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace rai::gateway::systemd {

// sd_notify(3) messages; each is a no-op when not started by systemd with
// Type=notify (no NOTIFY_SOCKET).
void ready();
void reloading();
void stopping();
void status(std::string_view text);
void watchdog_ping();

// How often to ping when systemd's WatchdogSec= is set for this process: half
// the watchdog interval, as sd_watchdog_enabled(3) recommends.
std::optional<std::chrono::microseconds> watchdog_ping_interval();

}  // namespace rai::gateway::systemd
