#pragma once

// The subcommands of rai-gateway-tool. Each takes the arguments after its
// own name and returns the process exit code (outcome.hpp).

#include <span>
#include <string_view>

namespace rai::tool {

int run_encrypt(std::span<const std::string_view> args);
int run_decrypt(std::span<const std::string_view> args);
int run_sign(std::span<const std::string_view> args);
int run_send(std::span<const std::string_view> args);
int run_dlq(std::span<const std::string_view> args);  // "list" | "replay"

}  // namespace rai::tool
