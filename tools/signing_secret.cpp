#include "tools/signing_secret.hpp"

#include <string>

#include "tools/config_flags.hpp"

namespace rai::tool {

outcome<std::optional<crypto::webhook_secret>> signing_secret_from(
    const parsed_args& a, std::string_view flag,
    const std::optional<gateway::gateway_config>& cfg) {
  using secret = std::optional<crypto::webhook_secret>;
  if (const auto text = a.last(flag)) {
    auto parsed = crypto::webhook_secret::parse(*text);
    if (!parsed) return usage_error(std::string(flag) + " must be whsec_<base64 of the key>");
    return secret(std::move(*parsed));
  }
  if (!cfg) return secret{};
  if (const auto name = a.last("--source")) {
    auto s = find_source(*cfg, *name);
    if (!s) return s.error();
    return (*s)->signing_secret;
  }
  if (const auto kind = a.last("--target")) {
    auto t = find_target(*cfg, *kind);
    if (!t) return t.error();
    return (*t)->signing_secret;
  }
  return secret{};
}

}  // namespace rai::tool
