#include "handlers/route.hpp"

#include <cstddef>

namespace rai::handlers {
namespace {

constexpr std::string_view prefix = "/webhooks/";
constexpr std::size_t max_segment_length = 128;

constexpr bool is_segment_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool valid_segment(std::string_view s) noexcept {
  if (s.empty() || s.size() > max_segment_length) return false;
  // Dot segments would be normalized away by any proxy in front of us.
  if (s == "." || s == "..") return false;
  for (const char c : s) {
    if (!is_segment_char(c)) return false;
  }
  return true;
}

}  // namespace

result<webhook_route> parse_webhook_route(std::string_view target) noexcept {
  const auto fail = [] {
    return result<webhook_route>(make_error_code(inbound_errc::unknown_route));
  };

  if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  if (!target.starts_with(prefix)) return fail();
  std::string_view rest = target.substr(prefix.size());

  webhook_route route;
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    route.source = rest;
  } else {
    route.source = rest.substr(0, slash);
    const std::string_view event = rest.substr(slash + 1);
    if (!valid_segment(event)) return fail();  // also rejects a trailing '/' and a third segment
    route.event = event;
  }
  if (!valid_segment(route.source)) return fail();
  return route;
}

}  // namespace rai::handlers
