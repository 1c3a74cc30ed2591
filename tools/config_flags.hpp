#pragma once

// --config FILE: the gateway's own configuration, read with its own loader
// (config/config.hpp), so a key, mode, layout or secret comes out exactly as
// the gateway would use it; --source NAME / --target KIND pick the table.

#include <optional>
#include <string_view>

#include "config/config.hpp"
#include "crypto/webhook_signature.hpp"
#include "tools/args.hpp"

namespace rai::tool {

// nullopt when --config is absent; a usage error naming the first problem
// when the file is missing or invalid (secrets are never printed).
outcome<std::optional<gateway::gateway_config>> config_from_flags(const parsed_args& a);

outcome<const handlers::source_settings*> find_source(const gateway::gateway_config& cfg,
                                                      std::string_view name);
outcome<const gateway::target_settings*> find_target(const gateway::gateway_config& cfg,
                                                     std::string_view kind);

// The Standard Webhooks secret for sign and send: `flag` (--secret or
// --signing-secret) whsec_..., else the signing_secret of the config's
// [sources.NAME] / [targets.KIND]; nullopt when neither gives one.
outcome<std::optional<crypto::webhook_secret>> signing_secret_from(
    const parsed_args& a, std::string_view flag, const std::optional<gateway::gateway_config>& cfg);

}  // namespace rai::tool
