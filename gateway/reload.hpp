#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace rai::gateway {

// What a SIGHUP reload can apply to a running gateway: the sources (keys, API
// keys, signing secrets, every source setting; sources added or removed),
// the targets' credentials and per-request settings, the TLS certificate and
// the log level. Everything else is fixed at startup: this names each such
// setting that differs in `next`, so the operator is told to restart.
std::vector<std::string> settings_needing_restart(const gateway_config& running,
                                                  const gateway_config& next);

}  // namespace rai::gateway
