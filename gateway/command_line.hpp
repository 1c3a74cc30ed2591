#pragma once

#include "gateway/app.hpp"

namespace rai::gateway {

// rai-gateway's main(): parses the arguments (--config FILE, --check-config,
// --version), loads and checks the configuration, sets up logging and runs
// the app until it stops. Returns the process exit code. make_publisher is
// the app's publisher seam (empty: the real one).
int run_command_line(int argc, char** argv, const publisher_factory& make_publisher = {});

}  // namespace rai::gateway
