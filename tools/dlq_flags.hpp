#pragma once

// Flags shared by `dlq list` and `dlq replay`.

#include <chrono>
#include <string>
#include <string_view>

#include "tools/args.hpp"
#include "tools/outcome.hpp"

namespace rai::tool {

inline constexpr std::string_view default_amqp_url = "amqp://guest:guest@127.0.0.1:5672/";

// --amqp-url, else amqp.url of --config FILE, else default_amqp_url.
outcome<std::string> amqp_url_from(const parsed_args& a);

// --timeout-ms (default 10000): connect, each RPC, and each wait for confirms.
outcome<std::chrono::milliseconds> amqp_timeout_from(const parsed_args& a);

}  // namespace rai::tool
