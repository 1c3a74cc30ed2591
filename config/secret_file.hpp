#pragma once

// Reading a file that holds a secret (a *_file setting of docs/configuration.md, the TLS
// private key, a --NAME-file flag of rai-gateway-tool), refusing one that
// others may read. Used by the config layer, the TLS context and the tool.

#include <optional>
#include <string>

namespace rai::gateway {

// Why a file of this mode must not hold a secret, or nullopt. Refused: any
// permission for others (o+r: anyone on the host reads the secret; o+w:
// anyone replaces it) and group write. Group read is allowed: a Kubernetes
// Secret volume with fsGroup is 0440 root:<the gateway's group>, and a
// root:rai-gateway 0640 file is how a packaged install shares a key with the
// service's group alone.
std::optional<std::string> unsafe_secret_mode(unsigned mode);

// The whole content of a secret file. On failure returns nullopt and sets
// `problem` to "<setting>: ..." naming the file, never its content: cannot
// read it, or its mode is unsafe (checked on the opened descriptor).
std::optional<std::string> read_secret_file(const std::string& setting, const std::string& path,
                                            std::string& problem);

}  // namespace rai::gateway
