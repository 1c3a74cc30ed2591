#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "http/net.hpp"

namespace rai::gateway {

// A JSON response with the given body (no-store: nothing here is cacheable).
http_response json_response(unsigned version, http::status status, std::string body);

// JSON bodies of docs/wire-format.md §5: {"status": ..., "id": ..., "error": ...}.
http_response accepted_response(unsigned version, std::string_view id, std::string_view event,
                                bool duplicate);
http_response error_response(unsigned version, http::status status, std::string_view error);
// 503 with Retry-After: the event could not be made durable right now.
http_response unavailable_response(unsigned version, std::string_view error,
                                   std::chrono::seconds retry_after);

}  // namespace rai::gateway
