#include "gateway/systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <string>

namespace rai::gateway::systemd {
namespace {

void notify(const char* state) {
  sd_notify(0, state);
}

}  // namespace

void ready() {
  notify("READY=1\nSTATUS=running");
}

void reloading() {
  notify("RELOADING=1");
}

void stopping() {
  notify("STOPPING=1\nSTATUS=draining");
}

void status(std::string_view text) {
  const std::string line = "STATUS=" + std::string(text);
  notify(line.c_str());
}

void watchdog_ping() {
  notify("WATCHDOG=1");
}

std::optional<std::chrono::microseconds> watchdog_ping_interval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

}  // namespace rai::gateway::systemd
