#pragma once

#include <optional>
#include <string_view>

#include "handlers/errc.hpp"

namespace rai::handlers {

// "/webhooks/{source}" or "/webhooks/{source}/{event}"; a query string is
// ignored. Views point into `target`.
struct webhook_route {
  std::string_view source;
  std::optional<std::string_view> event;  // raw segment, resolved by the caller
};

// Anything else (other prefix, empty or extra segments, a '%' escape or a
// character outside [A-Za-z0-9._-] in a segment) → inbound_errc::unknown_route.
result<webhook_route> parse_webhook_route(std::string_view target) noexcept;

}  // namespace rai::handlers
