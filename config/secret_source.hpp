#pragma once

// Internal to the config layer: reads a secret given inline, from an
// environment variable (NAME_env) or from a file (NAME_file).

#include <toml++/toml.h>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rai::gateway {

enum class secret_presence { optional, required };

// Exactly one of NAME / NAME_env / NAME_file may be set. Problems name the
// setting and the variable or file, never the secret itself. A NAME_file that
// others may read (or its group write) is refused (secret_file.hpp).
std::optional<std::string> read_secret(const toml::table& t, std::string_view name,
                                       const std::string& path, std::vector<std::string>& problems,
                                       secret_presence presence);

// A list secret: NAMES = [..], or NAMES_env / NAMES_file holding one secret
// per line. Empty when absent.
std::vector<std::string> read_secret_list(const toml::table& t, std::string_view name,
                                          const std::string& path,
                                          std::vector<std::string>& problems);

}  // namespace rai::gateway
