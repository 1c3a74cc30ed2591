#pragma once

// The Standard Webhooks secret for sign and send: --secret (or
// --signing-secret) whsec_..., else the signing_secret of the config's
// [sources.NAME] / [targets.KIND].

#include <optional>
#include <string_view>

#include "config/config.hpp"
#include "crypto/webhook_signature.hpp"
#include "tools/args.hpp"
#include "tools/outcome.hpp"

namespace rai::tool {

// nullopt when neither the flag nor the config gives one.
outcome<std::optional<crypto::webhook_secret>> signing_secret_from(
    const parsed_args& a, std::string_view flag, const std::optional<gateway::gateway_config>& cfg);

}  // namespace rai::tool
