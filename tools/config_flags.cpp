#include "tools/config_flags.hpp"

#include <string>

namespace rai::tool {

outcome<std::optional<gateway::gateway_config>> config_from_flags(const parsed_args& a) {
  const auto path = a.last("--config");
  if (!path) return std::optional<gateway::gateway_config>{};
  auto loaded = gateway::load_config(*path);
  if (!loaded.config) {
    std::string message = "config " + *path + " is not usable: ";
    message += loaded.problems.empty() ? std::string("unknown problem") : loaded.problems.front();
    if (loaded.problems.size() > 1) {
      message += " (and " + std::to_string(loaded.problems.size() - 1) +
                 " more; rai-gateway --check-config --config " + *path + " lists them)";
    }
    return usage_error(std::move(message));
  }
  return std::optional<gateway::gateway_config>(std::move(*loaded.config));
}

outcome<const handlers::source_settings*> find_source(const gateway::gateway_config& cfg,
                                                      std::string_view name) {
  for (const auto& s : cfg.sources) {
    if (s.name == name) return &s;
  }
  return usage_error("the config has no [sources." + std::string(name) + "] table");
}

outcome<const gateway::target_settings*> find_target(const gateway::gateway_config& cfg,
                                                     std::string_view kind) {
  for (const auto& t : cfg.targets) {
    if (t.kind == kind) return &t;
  }
  return usage_error("the config has no [targets." + std::string(kind) + "] table");
}

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
