#pragma once

// The two dlq subcommands, dispatched by run_dlq (commands.hpp).

#include <span>
#include <string_view>

namespace rai::tool {

int run_dlq_list(std::span<const std::string_view> args);
int run_dlq_replay(std::span<const std::string_view> args);

}  // namespace rai::tool
