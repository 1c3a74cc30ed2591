#pragma once

// --url for send: http://host[:port][/prefix], read by the HTTP client's own
// URL parser (http/http_client.hpp). TLS is the ingress's job in front of the
// gateway, so plain http only.

#include <string>
#include <string_view>

#include "http/http_client.hpp"
#include "tools/outcome.hpp"

namespace rai::tool {

struct http_target {
  gateway::parsed_url url;  // its target is "/": each request sets its own path
  std::string base_path;    // "" or "/prefix" (no trailing slash)
};

outcome<http_target> parse_http_url(std::string_view url);

}  // namespace rai::tool
