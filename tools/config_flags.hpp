#pragma once

// --config FILE: the gateway's own configuration, read with its own loader
// (config/config.hpp), so a key, mode or layout comes out exactly as the
// gateway would use it.

#include <optional>
#include <string_view>

#include "config/config.hpp"
#include "tools/args.hpp"
#include "tools/outcome.hpp"

namespace rai::tool {

// nullopt when --config is absent; a usage error naming the first problem
// when the file is missing or invalid (secrets are never printed).
outcome<std::optional<gateway::gateway_config>> config_from_flags(const parsed_args& a);

outcome<const handlers::source_settings*> find_source(const gateway::gateway_config& cfg,
                                                      std::string_view name);
outcome<const gateway::target_settings*> find_target(const gateway::gateway_config& cfg,
                                                     std::string_view kind);

}  // namespace rai::tool
