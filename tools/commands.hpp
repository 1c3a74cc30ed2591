#pragma once

// The subcommands of rai-gateway-tool, dispatched by main.cpp. Each takes the
// arguments after its own name and returns the process exit code (args.hpp).

#include <span>
#include <string_view>

namespace rai::tool {

int run_encrypt(std::span<const std::string_view> args);
int run_decrypt(std::span<const std::string_view> args);
int run_sign(std::span<const std::string_view> args);
int run_send(std::span<const std::string_view> args);
int run_dlq_list(std::span<const std::string_view> args);
int run_dlq_replay(std::span<const std::string_view> args);
int run_history_replay(std::span<const std::string_view> args);
int run_history_show(std::span<const std::string_view> args);

}  // namespace rai::tool
