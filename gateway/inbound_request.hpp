#pragma once

#include <chrono>
#include <string_view>

#include "handlers/inbound.hpp"
#include "handlers/source.hpp"
#include "http/net.hpp"

namespace rai::gateway {

// The inbound pipeline's view of a webhook request: its body and the headers
// of docs/wire-format.md §3-§5 (the IV header is the source's). Views into `req` and
// `body`, which must outlive the result. Before the body has been read (the
// header check) `body` is empty.
handlers::inbound_request inbound_request_from(const http::request_header<>& req,
                                               std::string_view body,
                                               const handlers::source_settings& source,
                                               std::chrono::system_clock::time_point now);

}  // namespace rai::gateway
