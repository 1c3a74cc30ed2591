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

}  // namespace rai::tool
